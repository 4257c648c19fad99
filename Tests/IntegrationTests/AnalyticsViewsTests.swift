import Foundation
import Postgres
import Testing
import TestSupport

/// The `analytics` views against a known ledger (see `AnalyticsFixture`): every number exact.
@Suite struct AnalyticsViewsTests {
    @Test func statsHasTheContractColumnsAndNumbers() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let result = try await fixture.client.query("SELECT * FROM analytics.stats")
        #expect(result.columns == ["provider", "model", "requests", "succeeded", "failed", "avg_latency_ms",
                                   "p95_latency_ms", "prompt_tokens", "completion_tokens", "cost_usd", "cache_hits"])
        let rows = try await fixture.rows("SELECT * FROM analytics.stats", key: ["provider", "model"])
        #expect(rows.count == 3)
        let big = try #require(rows["openai/gpt-4o"])
        #expect(big.int("requests") == 8)
        #expect(big.int("succeeded") == 7)
        #expect(big.int("failed") == 1)
        #expect(big.decimal("avg_latency_ms") == dec("300"))
        #expect(big.decimal("p95_latency_ms") == dec("480"))   // 400 + 0.8 × 100
        #expect(big.int("prompt_tokens") == 50)
        #expect(big.int("completion_tokens") == 100)
        #expect(big.string("cost_usd") == "0.05")
        #expect(big.int("cache_hits") == 2)
        let mini = try #require(rows["openai/gpt-4o-mini"])
        #expect(mini.int("requests") == 4)
        #expect(mini.int("succeeded") == 3)
        #expect(mini.int("failed") == 1)
        #expect(mini.decimal("avg_latency_ms") == dec("20"))
        #expect(mini.decimal("p95_latency_ms") == dec("29"))
        #expect(mini.int("prompt_tokens") == 30)
        #expect(mini.int("completion_tokens") == 15)
        #expect(mini.string("cost_usd") == "0.003")
        #expect(mini.int("cache_hits") == 0)
        let claude = try #require(rows["anthropic/claude-3-5-sonnet"])
        #expect(claude.int("requests") == 1)
        #expect(claude.decimal("p95_latency_ms") == dec("1000"))
        #expect(claude.string("cost_usd") == "0.005")

        // From second 10 on, the ledger holds only gpt-4o-mini's four rows.
        let since = try await fixture.client.query(
            "SELECT provider, model, requests FROM analytics.stats_since('2025-06-01T10:00:10Z')")
        #expect(since.count == 1)
        #expect(since.first?.string("model") == "gpt-4o-mini")
        #expect(since.first?.int("requests") == 4)
    }

    @Test func requestDistributionAndTokenUsage() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let distribution = try await fixture.rows("SELECT * FROM analytics.request_distribution", key: ["route", "model"])
        #expect(distribution.count == 3)
        #expect(distribution["chat/gpt-4o"]?.int("requests") == 8)
        #expect(distribution["chat/gpt-4o"]?.int("succeeded") == 7)
        #expect(distribution["chat/gpt-4o"]?.decimal("route_share_pct") == dec("61.54"))
        #expect(distribution["chat/gpt-4o-mini"]?.decimal("route_share_pct") == dec("30.77"))
        #expect(distribution["chat/claude-3-5-sonnet"]?.decimal("total_share_pct") == dec("7.69"))

        let tokens = try await fixture.rows("SELECT * FROM analytics.token_usage", key: ["provider", "model"])
        let big = try #require(tokens["openai/gpt-4o"])
        #expect(big.int("calls") == 6)
        #expect(big.int("prompt_tokens") == 50)
        #expect(big.int("completion_tokens") == 100)
        #expect(big.int("cached_tokens") == 10)
        #expect(big.int("total_tokens") == 150)
        #expect(big.int("cache_hits") == 2)
        #expect(big.int("cache_hit_tokens") == 60)
        #expect(tokens["openai/gpt-4o-mini"]?.int("total_tokens") == 45)
    }

    @Test func latencyPercentilesPerMinute() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let rows = try await fixture.rows(
            "SELECT *, bucket = '2025-06-01T10:00:00Z' AS in_minute FROM analytics.latency_per_minute",
            key: ["provider", "model"])
        #expect(rows.count == 3)
        let big = try #require(rows["openai/gpt-4o"])
        #expect(big.bool("in_minute") == true)
        #expect(big.int("calls") == 5)   // ok rows only: no server_error, no cache hits
        #expect(big.decimal("p50_ms") == dec("300"))
        #expect(big.decimal("p95_ms") == dec("480"))
        #expect(big.decimal("p99_ms") == dec("496"))
        let mini = try #require(rows["openai/gpt-4o-mini"])
        #expect(mini.decimal("p50_ms") == dec("20"))
        #expect(mini.decimal("p99_ms") == dec("29.8"))
        #expect(mini.decimal("avg_ms") == dec("20"))
        let since = try await fixture.client.query(
            "SELECT provider, model, calls FROM analytics.latency_per_minute_since('2025-06-01T10:00:11Z')")
        #expect(since.count == 1)
        #expect(since.first?.string("model") == "gpt-4o-mini")
        #expect(since.first?.int("calls") == 2)   // the ok rows at seconds 11 and 12
    }

    @Test func costAndSavingsAgainstTheBaseline() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let rows = try await fixture.rows("SELECT * FROM analytics.cost_savings", key: ["provider", "model"])
        let big = try #require(rows["openai/gpt-4o"])
        #expect(big.decimal("cost_usd") == dec("0.05"))
        #expect(big.decimal("baseline_cost_usd") == dec("0.07"))
        #expect(big.decimal("savings_usd") == dec("0.02"))
        #expect(big.decimal("savings_pct") == dec("28.57"))
        let mini = try #require(rows["openai/gpt-4o-mini"])
        #expect(mini.decimal("savings_usd") == dec("0.027"))
        #expect(mini.decimal("savings_pct") == dec("90"))
        let total = try #require(try await fixture.client.query("SELECT * FROM analytics.cost_savings_total").first)
        #expect(total.int("requests") == 13)
        #expect(total.decimal("cost_usd") == dec("0.058"))
        #expect(total.decimal("baseline_cost_usd") == dec("0.11"))
        #expect(total.decimal("savings_usd") == dec("0.052"))
        #expect(total.decimal("savings_pct") == dec("47.27"))
    }

    @Test func cacheHitRatePerRouteModelAndOverall() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let rows = try await fixture.rows("SELECT * FROM analytics.cache_hit_rate", key: ["route", "model"])
        #expect(rows["chat/gpt-4o"]?.int("cache_hits") == 2)
        #expect(rows["chat/gpt-4o"]?.int("misses") == 5)
        #expect(rows["chat/gpt-4o"]?.decimal("hit_rate_pct") == dec("28.57"))
        #expect(rows["chat/gpt-4o-mini"]?.decimal("hit_rate_pct") == dec("0"))
        let total = try #require(try await fixture.client.query("SELECT * FROM analytics.cache_hit_rate_total").first)
        #expect(total.int("cache_hits") == 2)
        #expect(total.int("misses") == 9)
        #expect(total.decimal("hit_rate_pct") == dec("18.18"))
    }

    @Test func failoverEventsNameWhereTheyCameFrom() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let events = try await fixture.client.query("SELECT * FROM analytics.failover_events")
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.string("job_route") == "chat")
        #expect(event.string("from_deployment") == "gpt-4o")
        #expect(event.string("from_outcome") == "server_error")
        #expect(event.string("to_deployment") == "claude")
        #expect(event.string("to_provider") == "anthropic")
        #expect(event.string("outcome") == "ok")
    }

    @Test func errorRatesPerDeploymentAndOutcome() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        let rows = try await fixture.rows("SELECT * FROM analytics.error_rates", key: ["deployment", "outcome"])
        #expect(rows.count == 5)   // gpt-4o ok/server_error, mini ok/rate_limited, claude ok
        #expect(rows["gpt-4o/ok"]?.int("calls") == 5)
        #expect(rows["gpt-4o/ok"]?.int("deployment_calls") == 6)
        #expect(rows["gpt-4o/ok"]?.decimal("rate_pct") == dec("83.33"))
        #expect(rows["gpt-4o/server_error"]?.decimal("rate_pct") == dec("16.67"))
        #expect(rows["gpt-4o-mini/rate_limited"]?.decimal("rate_pct") == dec("25"))
        #expect(rows["gpt-4o/cache_hit"] == nil)
    }

    @Test func usagePerClient() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        try await fixture.job(state: "queued", client: 9)   // a client with a job but no ledger rows yet
        let rows = try await fixture.rows("SELECT * FROM analytics.client_usage", key: ["client_id"])
        #expect(rows.count == 3)
        let seven = try #require(rows["7"])
        #expect(seven.int("jobs") == 4)
        #expect(seven.int("jobs_succeeded") == 3)
        #expect(seven.int("jobs_failed") == 1)
        #expect(seven.int("requests") == 4)
        #expect(seven.int("prompt_tokens") == 30)
        #expect(seven.int("completion_tokens") == 15)
        #expect(seven.decimal("cost_usd") == dec("0.003"))
        let cli = try #require(rows["NULL"])
        #expect(cli.int("jobs") == 8)
        #expect(cli.int("requests") == 9)
        #expect(cli.int("cache_hits") == 2)
        #expect(cli.decimal("cost_usd") == dec("0.055"))
        #expect(rows["9"]?.int("jobs") == 1)
        #expect(rows["9"]?.int("requests") == 0)
    }

    @Test func queueDepthAndThroughputPerMinute() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()
        try await fixture.job(state: "queued", runAt: "2025-06-01T09:00:00Z")
        try await fixture.job(state: "queued")
        try await fixture.job(state: "queued", runAt: "2999-01-01T00:00:00Z")
        try await fixture.job(queue: "bulk", state: "running")
        try await fixture.job(state: "cancelled", finishedAt: "2025-06-01T10:01:10Z")

        let depth = try await fixture.rows("SELECT * FROM analytics.queue_depth", key: ["queue", "state"])
        #expect(depth.count == 2)
        #expect(depth["default/queued"]?.int("jobs") == 3)
        #expect(depth["default/queued"]?.int("ready") == 2)
        #expect(depth["default/queued"]?.int("scheduled") == 1)
        #expect(depth["default/queued"]?.date("oldest_run_at") == ISO8601DateFormatter().date(from: "2025-06-01T09:00:00Z"))
        #expect(depth["bulk/running"]?.int("jobs") == 1)

        let throughput = try await fixture.rows(
            "SELECT to_char(bucket AT TIME ZONE 'UTC', 'HH24:MI') AS minute, * FROM analytics.throughput_per_minute",
            key: ["queue", "minute"])
        #expect(throughput.count == 2)
        #expect(throughput["default/10:00"]?.int("finished") == 12)
        #expect(throughput["default/10:00"]?.int("succeeded") == 11)
        #expect(throughput["default/10:00"]?.int("failed") == 1)
        #expect(throughput["default/10:01"]?.int("cancelled") == 1)
    }

    @Test func providerHealthJoinsSharedStateAndRecentErrors() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        _ = try await fixture.client.query(
            """
            INSERT INTO switchyard.deployment_state (deployment, provider, model, breaker_state, consecutive_failures,
                open_until, latency_ewma_ms, calls_total, failures_total)
            VALUES ('gpt-4o', 'openai', 'gpt-4o', 'open', 5, now() + interval '60 seconds', 480.5, 100, 7),
                   ('gpt-4o-mini', 'openai', 'gpt-4o-mini', 'closed', 0, NULL, 20.25, 50, 1),
                   ('claude', 'anthropic', 'claude-3-5-sonnet', 'closed', 0, NULL, NULL, 0, 0)
            """)
        _ = try await fixture.client.query(
            "UPDATE switchyard.deployment_state SET cooldown_until = now() + interval '30 seconds' WHERE deployment = 'claude'")
        let job = try await fixture.job()
        typealias Row = AnalyticsFixture.Row
        for outcome in ["ok", "ok", "server_error"] {
            try await fixture.attempt(job: job, Row(
                deployment: "gpt-4o-mini", provider: "openai", model: "gpt-4o-mini", outcome: outcome, latency: 20))
        }
        try await fixture.attempt(job: job, Row(   // old: outside the 5-minute window
            deployment: "gpt-4o-mini", provider: "openai", model: "gpt-4o-mini", outcome: "timeout",
            startedAt: "2025-06-01T10:00:00Z"))
        try await fixture.attempt(job: job, Row(
            deployment: "mistral-small", provider: "mistral", model: "mistral-small", outcome: "timeout"))
        try await fixture.attempt(job: job, Row(
            deployment: "gpt-4o-mini", provider: "openai", model: "gpt-4o-mini", outcome: "cache_hit"))

        let rows = try await fixture.rows("SELECT * FROM analytics.provider_health", key: ["deployment"])
        #expect(rows.count == 4)
        let open = try #require(rows["gpt-4o"])
        #expect(open.string("breaker_state") == "open")
        #expect(open.int("consecutive_failures") == 5)
        #expect(open.double("latency_ewma_ms") == 480.5)
        #expect(open.int("recent_calls") == 0)
        #expect(open.bool("healthy") == false)
        let mini = try #require(rows["gpt-4o-mini"])
        #expect(mini.int("recent_calls") == 3)
        #expect(mini.int("recent_errors") == 1)
        #expect(mini.decimal("recent_error_rate_pct") == dec("33.33"))
        #expect(mini.bool("healthy") == true)
        #expect(rows["claude"]?.bool("healthy") == false)   // cooling down
        let unknown = try #require(rows["mistral-small"])
        #expect(unknown.string("breaker_state") == nil)
        #expect(unknown.string("provider") == "mistral")
        #expect(unknown.decimal("recent_error_rate_pct") == dec("100"))
        #expect(unknown.bool("healthy") == false)
    }
}
