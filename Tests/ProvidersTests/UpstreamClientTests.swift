import Foundation
import Testing

@testable import Providers

@Suite("UpstreamClient against a local responder")
struct UpstreamClientTests {
    /// Routes by path: /ok, /slow, /hang, /reset, /status/{n}.
    static func responder() throws -> TestResponder {
        try TestResponder { request in
            let path = request.target.split(separator: "?").first.map(String.init) ?? request.target
            switch path {
            case "/ok":
                return .respond(
                    status: 200,
                    headers: [("Content-Type", "application/json"), ("x-ratelimit-remaining-requests", "41"), ("X-Echo-Length", "\(request.body.count)")],
                    body: #"{"ok":true}"#)
            case "/slow": return .delayed(milliseconds: 50, status: 200, body: "slow")
            case "/hang": return .hang
            case "/reset": return .reset
            default:
                if path.hasPrefix("/status/"), let code = Int(path.dropFirst(8)) {
                    return .respond(status: code, headers: [("Retry-After", "3")], body: #"{"error":{"message":"nope"}}"#)
                }
                return .respond(status: 404, headers: [], body: "")
            }
        }
    }

    static func post(_ url: String, body: String = #"{"hello":"world"}"#) -> UpstreamRequest {
        UpstreamRequest(url: url, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer sk-test")], body: Array(body.utf8))
    }

    @Test func successReturnsStatusHeadersBodyAndTimings() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        let response = try await client.send(Self.post(server.baseURL + "/ok"), timeoutMs: 5_000)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok":true}"#)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers["X-RateLimit-Remaining-Requests"] == "41")
        #expect(response.headers["x-echo-length"] == "17")
        #expect(response.latency > 0 && response.latency < 5)
        #expect(response.timeToFirstByte > 0 && response.timeToFirstByte <= response.latency)
        let seen = try #require(server.requests.first)
        #expect(seen.method == "POST")
        #expect(seen.header("authorization") == "Bearer sk-test")
        #expect(seen.header("expect") == nil)
        #expect(String(decoding: seen.body, as: UTF8.self) == #"{"hello":"world"}"#)
        await client.shutdown()
        #expect(client.outstandingCalls == 0)
    }

    @Test func largeBodyIsSentWithoutExpectContinue() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        let big = "{\"text\":\"" + String(repeating: "a", count: 200_000) + "\"}"
        let response = try await client.send(Self.post(server.baseURL + "/ok", body: big), timeoutMs: 5_000)
        #expect(response.headers["x-echo-length"] == "\(big.utf8.count)")
        #expect(server.requests.first?.header("expect") == nil)
        await client.shutdown()
    }

    @Test func errorStatusesAreResponsesNotThrows() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        let response = try await client.send(Self.post(server.baseURL + "/status/429"), timeoutMs: 5_000)
        #expect(response.status == 429)
        #expect(response.headers["retry-after"] == "3")
        await client.shutdown()
    }

    @Test func connectionsAreReused() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        for _ in 0..<20 {
            _ = try await client.send(Self.post(server.baseURL + "/ok"), timeoutMs: 5_000)
        }
        #expect(server.connectionsAccepted == 1)
        await client.shutdown()
    }

    // The responder never answers a hang, so the call ending at all is the timeout firing; the upper
    // bound is loose because a full parallel run on two cores can delay the continuation by seconds
    // (CI saw 3 s), and the time limit fails the test if the timeout never fires.
    @Test(.timeLimit(.minutes(1)))
    func perAttemptTimeoutFiresOnHangingResponder() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        let started = ContinuousClock.now
        let error = await #expect(throws: ProviderError.self) {
            _ = try await client.send(Self.post(server.baseURL + "/hang"), timeoutMs: 300)
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.kind == .timeout)
        #expect(error?.ledgerOutcome == "timeout")
        #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(30), "the 300 ms timeout fired after \(elapsed)")
        await client.shutdown()
        #expect(client.outstandingCalls == 0)
    }

    @Test func connectionRefusedIsNetwork() async throws {
        let client = UpstreamClient()
        let error = await #expect(throws: ProviderError.self) {
            _ = try await client.send(Self.post("http://127.0.0.1:\(TestResponder.closedPort())/ok"), timeoutMs: 2_000)
        }
        #expect(error?.kind == .network)
        #expect(error?.isRetryable == true)
        await client.shutdown()
    }

    @Test func connectionResetIsNetwork() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        let error = await #expect(throws: ProviderError.self) {
            _ = try await client.send(Self.post(server.baseURL + "/reset"), timeoutMs: 2_000)
        }
        #expect(error?.kind == .network)
        #expect(error?.ledgerOutcome == "network")
        await client.shutdown()
    }

    @Test(arguments: [1, 3])
    func fiveHundredConcurrentCallsComplete(loops: Int) async throws {
        let server = try Self.responder()
        defer { server.stop() }
        var configuration = UpstreamClient.Configuration()
        configuration.maxHostConnections = 16  // per multi handle
        configuration.loops = loops
        let client = UpstreamClient(configuration: configuration)
        let url = server.baseURL + "/ok"
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<500 {
                group.addTask { try await client.send(Self.post(url), timeoutMs: 20_000).status }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.count == 500)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(server.connectionsAccepted <= 16 * loops)
        #expect(client.outstandingCalls == 0)
        await client.shutdown()
    }

    @Test func manyCallsInFlightAreSpreadOverSeveralMultiHandles() {
        let configuration = UpstreamClient.Configuration(callsInFlight: 2_000)
        #expect(configuration.loops == 4)
        #expect(configuration.connectionCacheSize == 1_024)
        #expect(UpstreamClient.Configuration(callsInFlight: 100).loops == 1)
    }

    @Test func cancellingTheTaskEndsTheCall() async throws {
        let server = try Self.responder()
        defer { server.stop() }
        let client = UpstreamClient()
        let task = Task { try await client.send(Self.post(server.baseURL + "/hang"), timeoutMs: 60_000) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.result
        #expect(throws: ProviderError.self) { try result.get() }
        if case .failure(let error as ProviderError) = result { #expect(error.kind == .cancelled) }
        #expect(client.outstandingCalls == 0)
        await client.shutdown()
    }

    @Test(arguments: [1, 3])
    func shutdownResumesEveryCallInFlightAndRejectsLaterOnes(loops: Int) async throws {
        let server = try Self.responder()
        defer { server.stop() }
        var configuration = UpstreamClient.Configuration()
        configuration.loops = loops
        let client = UpstreamClient(configuration: configuration)
        let url = server.baseURL + "/hang"
        let tasks = (0..<20).map { _ in Task { try await client.send(Self.post(url), timeoutMs: 60_000) } }
        try await Task.sleep(for: .milliseconds(200))
        #expect(client.outstandingCalls == 20)
        await client.shutdown()
        for task in tasks {
            let result = await task.result
            guard case .failure(let error as ProviderError) = result else {
                Issue.record("expected a ProviderError, got \(result)")
                continue
            }
            #expect(error.kind == .cancelled)
        }
        #expect(client.outstandingCalls == 0)
        let late = await #expect(throws: ProviderError.self) {
            _ = try await client.send(Self.post(server.baseURL + "/ok"), timeoutMs: 1_000)
        }
        #expect(late?.kind == .cancelled)
        #expect(client.outstandingCalls == 0)
    }
}
