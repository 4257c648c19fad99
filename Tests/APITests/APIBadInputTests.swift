import Foundation
import Gateway
import TestSupport
import Testing

/// Bad requests are answered with the right status and a message naming the problem, and nothing is enqueued.
@Suite struct APIBadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var body: String?
        var rawBody: [UInt8]?
        var contentType: String? = "application/json"
        var key: KeyKind = .valid
        var status: Int
        var message: String
        var param: String?
        var description: String { name }
    }

    enum KeyKind: Sendable { case valid, missing, wrong }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"model": "m", "messages": ["#, status: 400, message: "not valid JSON"),
        Case(name: "not an object", body: "[1,2]", status: 400, message: "JSON object"),
        Case(name: "missing messages", body: #"{"model":"echo-model"}"#, status: 400, message: "messages", param: "messages"),
        Case(name: "messages wrong type", body: #"{"model":"echo-model","messages":"hi"}"#, status: 400, message: "messages",
             param: "messages"),
        Case(name: "empty messages", body: #"{"model":"echo-model","messages":[]}"#, status: 400, message: "at least one",
             param: "messages"),
        Case(name: "model wrong type", body: #"{"model":5,"messages":[{"role":"user","content":"x"}]}"#, status: 400,
             message: "model", param: "model"),
        Case(name: "empty content", body: chatBody(""), status: 400, message: "must not be empty", param: "messages[0].content"),
        Case(name: "bad role", body: #"{"model":"echo-model","messages":[{"role":"wizard","content":"x"}]}"#, status: 400,
             message: "role", param: "messages[0].role"),
        Case(name: "temperature out of range", body: chatBody(extra: #","temperature":7"#), status: 400, message: "temperature",
             param: "temperature"),
        Case(name: "priority wrong type", body: chatBody(extra: #","priority":"high""#), status: 400, message: "priority",
             param: "priority"),
        Case(name: "bad deadline", body: chatBody(extra: #","deadline":"tomorrow""#), status: 400, message: "RFC 3339",
             param: "deadline"),
        Case(name: "bad cache option", body: chatBody(extra: #","cache":{"ttl":5}"#), status: 400, message: "cache.ttl",
             param: "cache.ttl"),
        Case(name: "wrong content type", body: chatBody(), contentType: "text/plain", status: 415, message: "application/json"),
        Case(name: "huge body", rawBody: [UInt8](repeating: 0x20, count: (1 << 20) + 10), status: 413, message: "exceeds"),
        Case(name: "missing key", body: chatBody(), key: .missing, status: 401, message: "API key"),
        Case(name: "wrong key", body: chatBody(), key: .wrong, status: 401, message: "API key"),
    ]

    @Test(arguments: cases)
    func rejectedWithoutEnqueueing(_ testCase: Case) async throws {
        let fixture = try await APIFixture.make("badinput_\(testCase.name)")
        var client = fixture.alice
        switch testCase.key {
        case .valid: break
        case .missing: client.key = nil
        case .wrong: client.key = "sy-" + String(repeating: "0", count: 64)
        }
        for path in ["/v1/jobs", "/v1/chat/completions"] {
            let response = await client.request("POST", path, body: testCase.body, rawBody: testCase.rawBody,
                                                contentType: testCase.contentType)
            #expect(response.status == testCase.status, "\(path): \(response.text)")
            #expect(response.errorMessage.contains(testCase.message), "\(path): \(response.text)")
            #expect(response.json["error"]?["type"]?.stringValue != nil)
            if let param = testCase.param { #expect(response.json["error"]?["param"]?.stringValue == param, "\(response.text)") }
        }
        #expect(try await fixture.jobCount() == 0)
        await fixture.shutdown()
    }

    @Test func unknownModelIsNamedWhenAConfigIsStored() async throws {
        let fixture = try await APIFixture.make()
        let config = try Data(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("examples/switchyard.json"))
        _ = try await GatewayConfigStore(client: fixture.client).apply(Array(config))
        let response = await fixture.alice.post("/v1/jobs", chatBody(model: "gpt-17"))
        #expect(response.status == 404)
        #expect(response.errorMessage.contains("gpt-17"))
        #expect(response.json["error"]?["code"]?.stringValue == "model_not_found")
        let models = await fixture.alice.get("/v1/models")
        #expect(models.status == 200)
        let ids = models.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(ids.contains("chat"))
        let known = await fixture.alice.post("/v1/jobs", chatBody(model: ids.first ?? "chat"))
        #expect(known.status == 202)
        #expect(try await fixture.jobCount() == 1)
        await fixture.shutdown()
    }

    @Test func everyV1RouteNeedsAKey() async throws {
        let fixture = try await APIFixture.make()
        for (method, path) in [("GET", "/v1/jobs"), ("GET", "/v1/jobs/1"), ("DELETE", "/v1/jobs/1"), ("GET", "/v1/models")] {
            let response = await fixture.anonymous.request(method, path)
            #expect(response.status == 401, "\(method) \(path)")
            #expect(response.json["error"]?["type"]?.stringValue == "authentication_error")
        }
        let health = await fixture.anonymous.get("/health")
        #expect(health.status == 200)
        #expect(health.json["database"]?.stringValue == "ok")
        #expect(await fixture.anonymous.get("/ready").status == 200)
        await fixture.shutdown()
    }
}
