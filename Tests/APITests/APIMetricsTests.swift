import API
import Foundation
import Postgres
import Providers
import Synchronization
import Testing
import TestSupport

/// `GET /metrics`: valid Prometheus text (checked by a strict reader) with the values of a known
/// ledger, queue and deployment state, HTTP counts of this process, and ledger totals that follow
/// new rows exactly once, including rows that commit after rows with higher ids.
@Suite struct APIMetricsTests {
    static let oddDeployment = "we\"ird\\dep\nloyment"

    static func make(_ name: String = #function) async throws -> APIFixture {
        var configuration = GatewayAPI.Configuration()
        configuration.metricsCacheMs = 0
        configuration.metricsTerminalCountMs = 0
        let fixture = try await APIFixture.make(name, configuration: configuration)
        let ledger = AnalyticsFixture(url: fixture.url, client: fixture.client)
        try await ledger.loadKnownLedger()
        try await ledger.job(queue: "batch", state: "queued", runAt: "2099-01-01T00:00:00Z")
        _ = try await fixture.client.query(
            """
            INSERT INTO switchyard.deployment_state (deployment, provider, model, breaker_state, cooldown_until)
            VALUES ($1, 'openai', 'gpt-4o', 'open', now() + interval '1 minute'), ('claude', 'anthropic', 'claude-3-5-sonnet', 'closed', NULL)
            """, [oddDeployment])
        return fixture
    }

    static func scrape(_ fixture: APIFixture) async throws -> PrometheusExposition {
        let answer = await fixture.anonymous.get("/metrics")
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        return try PrometheusExposition(answer.text)
    }

    @Test func theExpositionIsValidAndHasTheKnownValues() async throws {
        let fixture = try await Self.make()
        defer { Task { await fixture.shutdown() } }
        #expect(await fixture.alice.post("/v1/jobs", chatBody()).status == 202)
        #expect(await fixture.alice.post("/v1/jobs", chatBody()).status == 202)
        #expect(await fixture.anonymous.get("/v1/jobs").status == 401)
        #expect(await fixture.alice.get("/no/such/route").status == 404)
        let page = try await Self.scrape(fixture)

        for (name, type) in [("switchyard_http_requests_total", "counter"), ("switchyard_http_request_duration_seconds", "histogram"),
                             ("switchyard_jobs", "gauge"), ("switchyard_queue_depth", "gauge"),
                             ("switchyard_provider_requests_total", "counter"), ("switchyard_provider_latency_seconds", "histogram"),
                             ("switchyard_tokens_total", "counter"), ("switchyard_cost_usd_total", "counter"),
                             ("switchyard_cache_hits_total", "counter"), ("switchyard_breaker_state", "gauge")] {
            #expect(page.families[name]?.type == type, "\(name)")
            #expect(page.families[name]?.help.isEmpty == false, "\(name)")
        }
        // HTTP, by route pattern.
        #expect(page.value("switchyard_http_requests_total", ["route": "/v1/jobs", "method": "POST", "status": "202"]) == 2)
        #expect(page.value("switchyard_http_requests_total", ["route": "/v1/jobs", "method": "GET", "status": "401"]) == 1)
        #expect(page.value("switchyard_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
        #expect(page.value("switchyard_http_request_duration_seconds_count", ["route": "/v1/jobs"]) == 3)
        // Jobs: 11 succeeded and 1 failed in the ledger's jobs, 2 just submitted, 1 scheduled in 2099.
        #expect(page.value("switchyard_jobs", ["state": "queued"]) == 3)
        #expect(page.value("switchyard_jobs", ["state": "running"]) == 0)
        #expect(page.value("switchyard_jobs", ["state": "succeeded"]) == 11)
        #expect(page.value("switchyard_jobs", ["state": "failed"]) == 1)
        #expect(page.value("switchyard_jobs", ["state": "cancelled"]) == 0)
        #expect(page.value("switchyard_queue_depth", ["queue": "default"]) == 2)
        #expect(page.value("switchyard_queue_scheduled", ["queue": "batch"]) == 1)
        // The ledger.
        let big = ["provider": "openai", "model": "gpt-4o"]
        #expect(page.value("switchyard_provider_requests_total", big.merging(["outcome": "ok"]) { $1 }) == 5)
        #expect(page.value("switchyard_provider_requests_total", big.merging(["outcome": "server_error"]) { $1 }) == 1)
        #expect(page.value("switchyard_provider_requests_total", big.merging(["outcome": "cache_hit"]) { $1 }) == 2)
        #expect(page.value("switchyard_tokens_total", big.merging(["type": "prompt"]) { $1 }) == 50)
        #expect(page.value("switchyard_tokens_total", big.merging(["type": "completion"]) { $1 }) == 100)
        #expect(page.value("switchyard_cost_usd_total", big) == 0.05)
        #expect(page.value("switchyard_cost_usd_total", ["provider": "openai", "model": "gpt-4o-mini"]) == 0.003)
        #expect(page.value("switchyard_cache_hits_total", big) == 2)
        // Latency of gpt-4o's answered calls: 100, 200, 300, 400, 500 ms.
        for (le, count) in [("0.05", 0.0), ("0.1", 1), ("0.25", 2), ("0.5", 5), ("1", 5), ("+Inf", 5)] {
            #expect(page.value("switchyard_provider_latency_seconds_bucket", big.merging(["le": le]) { $1 }) == count, "le=\(le)")
        }
        #expect(page.value("switchyard_provider_latency_seconds_count", big) == 5)
        #expect(abs((page.value("switchyard_provider_latency_seconds_sum", big) ?? 0) - 1.5) < 1e-9)
        // Breakers, with a deployment name that needs every label escape.
        let odd = ["deployment": Self.oddDeployment, "provider": "openai", "model": "gpt-4o"]
        #expect(page.value("switchyard_breaker_state", odd.merging(["state": "open"]) { $1 }) == 1)
        #expect(page.value("switchyard_breaker_state", odd.merging(["state": "closed"]) { $1 }) == 0)
        #expect(page.value("switchyard_deployment_cooling_down", ["deployment": Self.oddDeployment]) == 1)
        #expect(page.value("switchyard_breaker_state",
                           ["deployment": "claude", "provider": "anthropic", "model": "claude-3-5-sonnet", "state": "closed"]) == 1)
    }

    /// A row whose transaction commits after a row with a higher id is counted once it is visible,
    /// and no row is ever counted twice.
    @Test func ledgerTotalsFollowNewRowsOnceEvenWhenTheyCommitOutOfOrder() async throws {
        let fixture = try await Self.make()
        defer { Task { await fixture.shutdown() } }
        let big = ["provider": "openai", "model": "gpt-4o"]
        let ok = big.merging(["outcome": "ok"]) { $1 }
        let prompt = big.merging(["type": "prompt"]) { $1 }
        #expect(try await Self.scrape(fixture).value("switchyard_provider_requests_total", ok) == 5)

        let ledger = AnalyticsFixture(url: fixture.url, client: fixture.client)
        let job = try await ledger.job()
        // A transaction that inserts a ledger row and holds it uncommitted until `release` is signalled
        // (on a thread of the database client, never a concurrency pool thread).
        let slow = TestDatabase.client(fixture.url, maxConnections: 1)
        defer { slow.shutdown() }
        let inserted = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        let held = Task {
            try await slow.withConnection { connection in
                try connection.transaction { connection in
                    try connection.query(
                        """
                        INSERT INTO switchyard.attempts (job_id, attempt, deployment, provider, model, outcome, latency_ms,
                                                         prompt_tokens, completion_tokens)
                        VALUES ($1, 1, 'gpt-4o', 'openai', 'gpt-4o', 'ok', 60, 1, 1)
                        """, [job])
                    inserted.withLock { $0 = true }
                    release.wait()
                }
            }
        }
        while !inserted.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        try await ledger.attempt(job: job, .init(
            deployment: "gpt-4o", provider: "openai", model: "gpt-4o", latency: 70, prompt: 2, completion: 2))

        var page = try await Self.scrape(fixture)
        #expect(page.value("switchyard_provider_requests_total", ok) == 6)
        #expect(page.value("switchyard_tokens_total", prompt) == 52)
        release.signal()
        try await held.value
        page = try await Self.scrape(fixture)
        #expect(page.value("switchyard_provider_requests_total", ok) == 7)
        #expect(page.value("switchyard_tokens_total", prompt) == 53)
        #expect(page.value("switchyard_provider_latency_seconds_bucket", big.merging(["le": "0.1"]) { $1 }) == 3)
        page = try await Self.scrape(fixture)
        #expect(page.value("switchyard_provider_requests_total", ok) == 7)
        #expect(page.value("switchyard_provider_latency_seconds_count", big) == 7)
    }

    @Test func theReaderRejectsWhatAScraperWould() {
        let bad = [
            "switchyard_x 1\n",                                                           // no TYPE
            "# TYPE a counter\n# TYPE a counter\na 1\n",                                  // second TYPE
            "# TYPE a gauge\na{l=\"x\\q\"} 1\n",                                          // bad escape
            "# TYPE a gauge\na{l=\"x} 1\n",                                               // unterminated
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",             // no +Inf
            "# TYPE a gauge\n# TYPE b gauge\na 1\n",                                      // sample outside its block
        ]
        for text in bad { #expect(throws: PrometheusExposition.FormatError.self) { try PrometheusExposition(text) } }
        #expect(throws: Never.self) { try PrometheusExposition("# HELP a x\n# TYPE a gauge\na{l=\"q\\\"\\\\\\n\"} 1\n") }
    }
}
