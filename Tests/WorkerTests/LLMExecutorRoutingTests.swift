import Foundation
import Gateway
import MockProvider
import Postgres
import TestSupport
import Testing
import Worker

/// Routing details of the LLM executor: skewed weights, context-length failover, config reload.
@Suite("LLMExecutor routing", .serialized)
struct LLMExecutorRoutingTests {
    static let noCache = #"{"cache": {"no_cache": true}}"#

    @Test("a 1000/1 route sends almost nothing to the light target until the heavy one fails")
    func heavyAndLight() async throws {
        // A generous attempt timeout: a loaded machine must not make the heavy target fail (and fail
        // over to the light one, or open its breaker), so every job is one weighted draw between both.
        let fixture = try await GatewayFixture.make(resilience: """
            {"breaker": {"consecutive_failures": 3, "failure_ratio": 0.5, "minimum_requests": 1000, "window_ms": 60000,
                         "reset_timeout_ms": 400, "probe_timeout_ms": 2000},
             "retries": 3, "backoff_base_ms": 20, "backoff_max_ms": 200, "attempt_timeout_ms": 60000,
             "default_cooldown_ms": 200, "latency_ewma_alpha": 0.2}
            """, extraRoutes: """
            , {"name": "skewed", "strategy": "weighted",
               "targets": [{"deployment": "gpt-4o", "weight": 1000}, {"deployment": "gpt-4o-mini", "weight": 1}]}
            """)
        defer { Task { await fixture.shutdown() } }
        _ = try await fixture.enqueue(route: "skewed", prompts: (0..<300).map { "skew \($0)" }, options: Self.noCache)
        try await fixture.drain()
        let draws = try await fixture.query("""
            SELECT count(*) FILTER (WHERE routing_trace->'excluded' = '[]'::jsonb) AS draws,
                   count(*) FILTER (WHERE routing_trace->'excluded' = '[]'::jsonb
                                    AND routing_trace->'order'->>0 = 'gpt-4o-mini') AS light,
                   count(*) FILTER (WHERE state <> 'succeeded') AS other
            FROM switchyard.jobs
            """)
        #expect(draws.first?.int("draws") == 300)
        #expect(draws.first?.int("other") == 0)
        // 300 independent picks (the trace of each job's run) with p = 1/1001: P(more than 5 light
        // picks) = 7.4e-7, the binomial tail; a false failure once in more than a million runs.
        let light = draws.first?.int("light") ?? -1
        #expect(light >= 0 && light <= 5)
        // Every call the light target saw was one of those picks: none was a failover.
        #expect(fixture.mock.engine.stats.count("gpt-4o-mini", "requests") == light)
        #expect(fixture.mock.engine.stats.count("gpt-4o", "ok") == 300 - light)

        _ = fixture.mock.engine.setOutage(model: "gpt-4o", enabled: true)
        _ = try await fixture.enqueue(route: "skewed", prompts: (0..<50).map { "light \($0)" }, options: Self.noCache)
        try await fixture.drain()
        #expect(fixture.mock.engine.stats.count("gpt-4o-mini", "ok") >= 50)
        let failed = try await fixture.query("SELECT count(*) AS n FROM switchyard.jobs WHERE state <> 'succeeded'")
        #expect(failed.first?.int("n") == 0)
    }

    @Test("a context-length error fails over to a deployment with a larger window only")
    func contextLengthFailover() async throws {
        var mock = MockProviderConfiguration()
        mock.models["gpt-4o-mini"]?.contextWindow = 5
        let fixture = try await GatewayFixture.make(mock: mock, extraRoutes: """
            , {"name": "long", "strategy": "priority", "targets": ["gpt-4o-mini"], "fallbacks": ["gpt-4o", "claude-3-5-sonnet"]}
            """)
        defer { Task { await fixture.shutdown() } }
        _ = try await fixture.enqueue(
            route: "long", prompts: ["a prompt that is clearly longer than five tokens of context window"], options: Self.noCache)
        try await fixture.drain()

        let job = try await fixture.query("SELECT state, result->>'model' AS model FROM switchyard.jobs")
        #expect(job.first?.string("state") == "succeeded")
        #expect(job.first?.string("model") == "claude-3-5-sonnet")
        let rows = try await fixture.query("SELECT deployment, outcome, failover FROM switchyard.attempts ORDER BY id")
        #expect(rows.map { "\($0.string("deployment") ?? "") \($0.string("outcome") ?? "") \($0.bool("failover") ?? false)" }
                == ["gpt-4o-mini client_error false", "claude-3-5-sonnet ok true"])
    }

    @Test("a failure ratio over the window opens the breaker even without a run of consecutive failures")
    func failureRatioOpensBreaker() async throws {
        var mock = MockProviderConfiguration()
        mock.models["gpt-4o"]?.faultRates = [.internalServerError: 0.5]
        let fixture = try await GatewayFixture.make(mock: mock, resilience: """
            {"breaker": {"consecutive_failures": 1000, "failure_ratio": 0.3, "minimum_requests": 20, "window_ms": 60000,
                         "reset_timeout_ms": 60000, "probe_timeout_ms": 2000},
             "retries": 3, "backoff_base_ms": 20, "backoff_max_ms": 200, "attempt_timeout_ms": 3000,
             "default_cooldown_ms": 200, "latency_ewma_alpha": 0.2}
            """)
        defer { Task { await fixture.shutdown() } }
        _ = try await fixture.enqueue(route: "chat", prompts: (0..<300).map { "ratio \($0)" }, options: Self.noCache)
        try await fixture.drain()
        let failed = try await fixture.query("SELECT count(*) AS n FROM switchyard.jobs WHERE state <> 'succeeded'")
        #expect(failed.first?.int("n") == 0)
        let state = try await fixture.query("SELECT breaker_state FROM switchyard.deployment_state WHERE deployment = 'gpt-4o'")
        #expect(state.first?.string("breaker_state") == "open")
        let mini = try await fixture.query("SELECT breaker_state FROM switchyard.deployment_state WHERE deployment = 'gpt-4o-mini'")
        #expect(mini.first?.string("breaker_state") == "closed")
    }

    @Test("a worker picks up a newly applied config on NOTIFY")
    func reloadsOnNotify() async throws {
        let fixture = try await GatewayFixture.make()
        defer { Task { await fixture.shutdown() } }
        let client = TestDatabase.client(fixture.base.url, maxConnections: 3)
        defer { client.shutdown() }
        var settings = LLMExecutor.Settings(workerID: "reload-test", listenerConfiguration: PostgresConfiguration(url: fixture.base.url))
        settings.log = { _ in }
        settings.configPollMs = 60_000
        let executor = LLMExecutor(client: client, upstream: fixture.upstream, settings: settings)
        let service = Task { await executor.run() }
        let start = ContinuousClock.now
        var first: Int64?
        while first == nil, ContinuousClock.now - start < .seconds(30) {
            first = executor.configVersion
            if first == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        // Apply only once the executor LISTENs, so only the NOTIFY can tell it (its poll is a minute away).
        var listening = false
        while !listening, ContinuousClock.now - start < .seconds(30) {
            let rows = try await fixture.query("""
                SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND query = 'LISTEN "\(GatewayConfigStore.channel)"'
                """)
            listening = rows.first?.int("n") == 1
            if !listening { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(listening)
        let config = fixture.config(resilience: GatewayFixture.fastResilience, extraProviders: "", extraDeployments: "",
                                    extraRoutes: #", {"name": "fresh", "strategy": "priority", "targets": ["gpt-4o"]}"#)
        let applied = try await GatewayConfigStore(client: fixture.base.client).apply(Array(config.utf8))
        let appliedAt = ContinuousClock.now
        var seen: Int64?
        while seen != applied.id, ContinuousClock.now - appliedAt < .seconds(30) {
            seen = executor.configVersion
            if seen != applied.id { try await Task.sleep(for: .milliseconds(20)) }
        }
        executor.stop()
        await service.value
        #expect(first != nil)
        #expect(seen == applied.id)
    }
}
