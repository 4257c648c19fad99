import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Providers
@testable import MockProvider

/// The mock over real HTTP on an ephemeral port, called with URLSession (tests only).
@Suite("Mock provider over HTTP")
struct MockProviderServerTests {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    /// Starts a mock on port 0 and runs `body` with its base URL, shutting down afterwards.
    static func withMock(_ configuration: MockProviderConfiguration = MockProviderConfiguration(),
                         _ body: (MockProviderServer, String) async throws -> Void) async throws {
        let server = MockProviderServer(configuration: configuration, port: 0)
        let port = try server.start()
        do {
            try await body(server, "http://127.0.0.1:\(port)")
        } catch {
            await server.shutdown(graceMs: 500)
            throw error
        }
        await server.shutdown(graceMs: 500)
    }

    static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil, timeout: Double = 10) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let configuration = URLSessionConfiguration.ephemeral
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var names: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            names[String(describing: name).lowercased()] = String(describing: value)
        }
        return Reply(status: http.statusCode, headers: names, body: String(decoding: data, as: UTF8.self))
    }

    static let openAIChat = #"{"model":"gpt-4o","messages":[{"role":"user","content":"Summarise this report"}]}"#
    static let bearer = ["Authorization": "Bearer sk-test"]

    struct PathCase: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        var headers: [String: String]
        var body: String
        var model: [String]
        var expectedModel: String
        var testDescription: String { name }
    }

    static let paths: [PathCase] = [
        PathCase(name: "openai", path: "/v1/chat/completions", headers: bearer, body: openAIChat, model: ["model"], expectedModel: "gpt-4o"),
        PathCase(name: "mistral", path: "/v1/chat/completions", headers: bearer, body: #"{"model":"mistral-large","messages":[{"role":"user","content":"Hi"}]}"#, model: ["model"], expectedModel: "mistral-large"),
        PathCase(name: "deepseek", path: "/v1/chat/completions", headers: bearer, body: #"{"model":"deepseek-chat","messages":[{"role":"user","content":"Hi"}]}"#, model: ["model"], expectedModel: "deepseek-chat"),
        PathCase(name: "azure", path: "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-06-01", headers: ["api-key": "az"], body: #"{"messages":[{"role":"user","content":"Hi"}]}"#, model: ["model"], expectedModel: "gpt-4o-mini"),
        PathCase(name: "anthropic", path: "/v1/messages", headers: ["x-api-key": "ant", "anthropic-version": "2023-06-01"], body: #"{"model":"claude-3-5-sonnet","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}"#, model: ["model"], expectedModel: "claude-3-5-sonnet"),
        PathCase(name: "gemini", path: "/v1beta/models/gemini-1.5-flash:generateContent", headers: ["x-goog-api-key": "g"], body: #"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}"#, model: ["modelVersion"], expectedModel: "gemini-1.5-flash"),
    ]

    @Test(arguments: paths)
    func eachPathAnswersInItsFormat(_ path: PathCase) async throws {
        try await Self.withMock { _, base in
            let reply = try await Self.send("POST", base + path.path, headers: path.headers, body: path.body)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["content-type"] == "application/json")
            let json = try #require(reply.json)
            var model: JSONValue? = json
            for key in path.model { model = model?[key] }
            #expect(model?.stringValue == path.expectedModel)
            #expect(reply.body.contains("Mock answer "))
            let unauthorized = try await Self.send("POST", base + path.path, body: path.body)
            #expect(unauthorized.status == (path.name == "gemini" ? 403 : 401))
        }
    }

    @Test func modelsAndUnknownPaths() async throws {
        try await Self.withMock { _, base in
            let models = try await Self.send("GET", base + "/v1/models", headers: Self.bearer)
            #expect(models.json?["data"]?.arrayValue?.count == 6)
            let method = try await Self.send("POST", base + "/v1beta/models/gemini-1.5-flash:countTokens?key=g", body: "{}")
            #expect(method.status == 404)
        }
    }

    @Test func outageSwitchFlips503AndReset() async throws {
        try await Self.withMock { _, base in
            let chat = base + "/v1/chat/completions"
            #expect(try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat).status == 200)
            let on = try await Self.send("POST", base + "/_mock/models/gpt-4o/outage", body: #"{"enabled": true}"#)
            #expect(on.json == ["model": "gpt-4o", "outage": ["enabled": true, "mode": "503"]])
            #expect(try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat).status == 503)
            _ = try await Self.send("POST", base + "/_mock/models/gpt-4o/outage", body: #"{"enabled": true, "mode": "reset"}"#)
            await #expect(throws: (any Error).self) {
                _ = try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat)
            }
            _ = try await Self.send("POST", base + "/_mock/models/gpt-4o/outage", body: #"{"enabled": false}"#)
            #expect(try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat).status == 200)
            let stats = try #require(try await Self.send("GET", base + "/_mock/stats").json?["models"]?["gpt-4o"])
            #expect(stats["ok"] == 2 && stats["error"] == 2 && stats["rate_limited"] == 0)
            #expect(stats["server_error"] == 1 && stats["reset"] == 1 && stats["outage"] == 2)
        }
    }

    @Test func rpmExceededAnswers429WithHeadersAndResetClearsIt() async throws {
        try await Self.withMock { _, base in
            let profile = try await Self.send("POST", base + "/_mock/models/gpt-4o/profile", body: #"{"rpm": 2, "tpm": 10000}"#)
            #expect(profile.status == 200)
            let chat = base + "/v1/chat/completions"
            let first = try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat)
            #expect(first.headers["x-ratelimit-remaining-requests"] == "1")
            #expect(first.headers["x-ratelimit-limit-tokens"] == "10000")
            _ = try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat)
            let limited = try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat)
            #expect(limited.status == 429)
            #expect(limited.headers["x-ratelimit-limit-requests"] == "2")
            #expect(limited.headers["x-ratelimit-remaining-requests"] == "0")
            #expect(limited.headers["x-ratelimit-reset-requests"]?.hasSuffix("s") == true)
            #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(Int(limited.headers["retry-after-ms"] ?? "") ?? 0 > 0)
            #expect(limited.json?["error"]?["code"] == "rate_limit_exceeded")
            #expect(try await Self.send("GET", base + "/_mock/stats").json?["models"]?["gpt-4o"]?["rate_limited"] == 1)
            let reset = try await Self.send("POST", base + "/_mock/reset")
            #expect(reset.status == 200)
            #expect(try await Self.send("GET", base + "/_mock/stats").json == ["models": [:]])
            #expect(try await Self.send("POST", chat, headers: Self.bearer, body: Self.openAIChat).status == 200)
        }
    }

    @Test func latencyIsApplied() async throws {
        var configuration = MockProviderConfiguration()
        configuration.models["gpt-4o"]?.latency = .fixed(ms: 150)
        try await Self.withMock(configuration) { _, base in
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await Self.send("POST", base + "/v1/chat/completions", headers: Self.bearer, body: Self.openAIChat)
            #expect(reply.status == 200)
            #expect(clock.now - start >= .milliseconds(150))
        }
    }

    @Test func shutdownEndsAHang() async throws {
        let server = MockProviderServer(configuration: MockProviderConfiguration(), port: 0)
        let port = try server.start()
        _ = server.engine.setOutage(model: "gpt-4o", enabled: true, mode: .hang)
        let clock = ContinuousClock()
        let start = clock.now
        let call = Task {
            try await Self.send("POST", "http://127.0.0.1:\(port)/v1/chat/completions", headers: Self.bearer, body: Self.openAIChat, timeout: 30)
        }
        try await Task.sleep(for: .milliseconds(300))
        await server.shutdown(graceMs: 1_000)
        let result = await call.result
        #expect(throws: (any Error).self) { try result.get() }
        // Well under the client's 30 s timeout (and the 60 s hang): shutdown ended the hang. Loose,
        // because a loaded full run once took 5.3 s.
        #expect(clock.now - start < .seconds(20))
    }
}
