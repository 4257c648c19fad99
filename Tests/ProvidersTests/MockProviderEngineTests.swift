import Synchronization
import Testing
@testable import MockProvider

/// A clock tests move by hand.
final class MockTestClock: Sendable {
    private let time = Mutex(1_700_000_000.0)
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

@Suite("Mock provider engine: outages, rate limits, stats, control")
struct MockProviderEngineTests {
    static func chat(_ model: String = "gpt-4o", _ text: String = "hello") -> MockCall {
        MockCall(format: .openAI, headers: ["Authorization": "Bearer k"], json: ["model": .string(model), "messages": [["role": "user", "content": .string(text)]]])
    }

    static func anthropic(_ text: String = "hello") -> MockCall {
        MockCall(format: .anthropic, headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"], json: ["model": "claude-3-5-sonnet", "max_tokens": 50, "messages": [["role": "user", "content": .string(text)]]])
    }

    @Test func outageSwitchesModesAndBack() {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        #expect(engine.handle(Self.chat()).status == 200)
        #expect(engine.setOutage(model: "gpt-4o", enabled: true) == ["model": "gpt-4o", "outage": ["enabled": true, "mode": "503"]])
        let down = engine.handle(Self.chat())
        #expect(down.status == 503)
        #expect(down.bodyJSON?["error"]?["type"] == "server_error")
        #expect(engine.handle(Self.chat("gpt-4o-mini")).status == 200, "other models are unaffected")
        _ = engine.setOutage(model: "gpt-4o", body: Array(#"{"enabled": true, "mode": "reset"}"#.utf8))
        guard case .reset = engine.handle(Self.chat()).reply else { Issue.record("expected reset"); return }
        _ = engine.setOutage(model: "gpt-4o", enabled: true, mode: .hang)
        #expect(engine.handle(Self.chat()).delayMs == 3_600_000)
        _ = engine.setOutage(model: "gpt-4o", body: Array(#"{"enabled": false}"#.utf8))
        #expect(engine.handle(Self.chat()).status == 200)
        let stats = engine.stats
        #expect(stats.count("gpt-4o", "ok") == 2)
        #expect(stats.count("gpt-4o", "error") == 3)
        #expect(stats.count("gpt-4o", "outage") == 3)
        #expect(stats.count("gpt-4o", "server_error") == 1 && stats.count("gpt-4o", "reset") == 1 && stats.count("gpt-4o", "hang") == 1)
    }

    @Test func outageControlRejectsBadBodies() {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        #expect(engine.setOutage(model: "gpt-4o", body: Array("{}".utf8)).status == 400)
        #expect(engine.setOutage(model: "gpt-4o", body: Array(#"{"enabled": true, "mode": "500"}"#.utf8)).status == 400)
        #expect(engine.setOutage(model: "nope", body: Array(#"{"enabled": true}"#.utf8)).status == 404)
        #expect(engine.setOutage(model: "gpt-4o", body: Array(#"{"enabled": true, "mode": 503}"#.utf8)).status == 200)
    }

    @Test func rpmAnswers429WithHeadersThenRecovers() throws {
        var configuration = MockProviderConfiguration()
        configuration.models["gpt-4o"]?.requestsPerMinute = 2
        configuration.models["gpt-4o"]?.tokensPerMinute = 100_000
        let clock = MockTestClock()
        let engine = MockProviderEngine(configuration: configuration, clock: { clock.now })
        let first = engine.handle(Self.chat())
        #expect(first.status == 200)
        #expect(first.header("x-ratelimit-limit-requests") == "2")
        #expect(first.header("x-ratelimit-remaining-requests") == "1")
        #expect(first.header("x-ratelimit-reset-requests") == "1m0s")
        #expect(first.header("x-ratelimit-limit-tokens") == "100000")
        clock.advance(15)
        #expect(engine.handle(Self.chat()).header("x-ratelimit-remaining-requests") == "0")
        clock.advance(15)
        let limited = engine.handle(Self.chat())
        #expect(limited.status == 429)
        #expect(limited.header("retry-after") == "30")
        #expect(limited.header("retry-after-ms") == "30000")
        #expect(limited.header("x-ratelimit-remaining-requests") == "0")
        let error = try #require(limited.bodyJSON?["error"])
        #expect(error["code"] == "rate_limit_exceeded" && error["type"] == "requests")
        #expect(error["message"]?.stringValue?.contains("Limit 2, Used 2, Requested 1") == true)
        clock.advance(30)
        #expect(engine.handle(Self.chat()).status == 200)
        #expect(engine.stats.count("gpt-4o", "rate_limited") == 1)
        #expect(engine.stats.count("gpt-4o", "ok") == 3)
    }

    @Test func anthropicRateLimitUsesItsHeaders() throws {
        var configuration = MockProviderConfiguration()
        configuration.models["claude-3-5-sonnet"]?.requestsPerMinute = 1
        let clock = MockTestClock()
        let engine = MockProviderEngine(configuration: configuration, clock: { clock.now })
        let ok = engine.handle(Self.anthropic())
        #expect(ok.header("anthropic-ratelimit-requests-limit") == "1")
        #expect(ok.header("anthropic-ratelimit-requests-remaining") == "0")
        #expect(ok.header("anthropic-ratelimit-requests-reset") == MockRateLimitHeaders.rfc3339(clock.now + 60))
        #expect(ok.header("x-ratelimit-limit-requests") == nil)
        let limited = engine.handle(Self.anthropic())
        #expect(limited.status == 429)
        #expect(limited.bodyJSON?["error"]?["type"] == "rate_limit_error")
        #expect(limited.header("retry-after") == "60")
    }

    @Test func tpmCountsPromptAndCompletionTokens() throws {
        var configuration = MockProviderConfiguration()
        configuration.models["gpt-4o"]?.tokensPerMinute = 30
        let clock = MockTestClock()
        let engine = MockProviderEngine(configuration: configuration, clock: { clock.now })
        let first = try #require(engine.handle(Self.chat()).bodyJSON)
        let used = try #require(first["usage"]?["total_tokens"]?.intValue)
        let second = engine.handle(Self.chat())
        #expect(second.status == 429)
        #expect(second.header("x-ratelimit-remaining-tokens") == String(30 - used))
        #expect(second.bodyJSON?["error"]?["type"] == "tokens")
    }

    @Test func resetClearsStatsOutagesAndWindows() {
        var configuration = MockProviderConfiguration()
        configuration.models["gpt-4o"]?.requestsPerMinute = 1
        let engine = MockProviderEngine(configuration: configuration)
        _ = engine.handle(Self.chat())
        #expect(engine.handle(Self.chat()).status == 429)
        _ = engine.setOutage(model: "gpt-4o-mini", enabled: true)
        engine.reset()
        #expect(engine.stats == MockStats())
        #expect(engine.handle(Self.chat()).status == 200)
        #expect(engine.handle(Self.chat("gpt-4o-mini")).status == 200)
    }

    @Test func profileChangesAtRunTime() {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        #expect(engine.setProfile(model: "gpt-4o", body: Array(#"{"errors": {"503": 1}}"#.utf8)).status == 200)
        #expect(engine.handle(Self.chat()).status == 503)
        let bad = engine.setProfile(model: "gpt-4o", body: Array(#"{"errors": {"504": 1}}"#.utf8))
        #expect(bad.status == 400)
        #expect(bad.bodyText.contains("errors.504"))
        #expect(engine.setProfile(model: "new-model", body: Array(#"{"response_model": "new-model-001"}"#.utf8)).status == 200)
        #expect(engine.handle(Self.chat("new-model")).bodyJSON?["model"] == "new-model-001")
    }

    @Test func statsJSONShape() throws {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        _ = engine.handle(Self.chat())
        _ = engine.handle(Self.chat("gpt-5"))
        _ = engine.handle(MockCall(format: .openAI, json: ["model": "gpt-4o", "messages": []]))
        let json = engine.stats.json
        let gpt = try #require(json["models"]?["gpt-4o"])
        #expect(gpt["ok"] == 1 && gpt["error"] == 1 && gpt["rate_limited"] == 0 && gpt["unauthorized"] == 1)
        #expect(gpt["prompt_tokens"]?.intValue ?? 0 > 0)
        #expect(json["models"]?["gpt-5"]?["not_found"] == 1)
    }

    @Test func modelsListNeedsAKey() {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        #expect(engine.listModels(headers: [:]).status == 401)
        let list = engine.listModels(headers: ["authorization": "Bearer k"])
        #expect(list.bodyJSON?["object"] == "list")
        #expect(list.bodyJSON?["data"]?.arrayValue?.count == 6)
    }
}
