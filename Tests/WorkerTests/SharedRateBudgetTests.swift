import Foundation
import MockProvider
import Postgres
import Testing
import Worker

/// A deployment's configured RPM/TPM holds for all workers together: several workers (each with
/// its own client, executor and state board) share one database and the mock provider, which
/// itself has no limit here, so every call counted is one the budget let through.
@Suite("Configured RPM/TPM across workers", .serialized)
struct SharedRateBudgetTests {
    static let noCache = #"{"cache": {"no_cache": true}}"#

    static func limited(_ limits: String) -> String {
        """
        , {"name": "limited", "provider": "openai", "model": "gpt-4o-mini", "rate_window_s": 1, \(limits),
           "price": {"input_per_million": 0.15, "output_per_million": 0.60}}
        """
    }

    static let route = #", {"name": "limited", "strategy": "priority", "targets": ["limited"]}"#

    /// Ledger rows per one-second window, by `started_at` (the instant the call's lease was
    /// reserved, on the same millisecond clock the budget counts windows with).
    static let perWindowSQL = """
        SELECT floor(extract(epoch FROM started_at) * 1000 / 1000)::bigint AS window_index, count(*) AS calls,
               sum(prompt_tokens + completion_tokens) AS tokens, count(DISTINCT worker_id) AS workers
        FROM switchyard.attempts WHERE deployment = 'limited' GROUP BY 1 ORDER BY 1
        """

    @Test("3 workers with rpm 12 per window: at most 12 calls in every window, every job succeeds after snoozing")
    func requestsPerWindowAcrossWorkers() async throws {
        let fixture = try await GatewayFixture.make(extraDeployments: Self.limited(#""rpm": 12"#), extraRoutes: Self.route)
        defer { Task { await fixture.shutdown() } }
        _ = try await fixture.enqueue(route: "limited", prompts: (0..<60).map { "limited \($0)" }, options: Self.noCache)
        try await fixture.drain(workers: 3, concurrency: 10)

        let jobs = try await fixture.query("""
            SELECT count(*) FILTER (WHERE state = 'succeeded') AS ok, sum(snoozes) AS snoozes, max(attempt - snoozes) AS tries
            FROM switchyard.jobs
            """)
        #expect(jobs.first?.int("ok") == 60)
        #expect((jobs.first?.int("snoozes") ?? 0) > 0)
        #expect((jobs.first?.int("tries") ?? 99) <= 1)  // snoozed, never failed

        let windows = try await fixture.query(Self.perWindowSQL)
        let calls = windows.map { $0.int("calls") ?? 0 }
        #expect(calls.reduce(0, +) == 60)
        #expect(calls.allSatisfy { $0 <= 12 }, "calls per window: \(calls)")
        #expect(windows.count >= 5)
        #expect(fixture.mock.engine.stats.count("gpt-4o-mini", "ok") == 60)
        let workers = try await fixture.query("SELECT count(DISTINCT worker_id) AS n FROM switchyard.attempts")
        #expect((workers.first?.int("n") ?? 0) >= 2, "the budget was shared by several workers")
        let state = try await fixture.query("SELECT budget_requests FROM switchyard.deployment_state WHERE deployment = 'limited'")
        #expect((state.first?.int("budget_requests") ?? 99) <= 12)
    }

    @Test("3 workers with tpm 1500 per window: the tokens used in every window stay within it")
    func tokensPerWindowAcrossWorkers() async throws {
        let fixture = try await GatewayFixture.make(extraDeployments: Self.limited(#""tpm": 1500"#), extraRoutes: Self.route)
        defer { Task { await fixture.shutdown() } }
        _ = try await fixture.enqueue(route: "limited", prompts: (0..<60).map { "limited by tokens \($0)" }, options: Self.noCache)
        try await fixture.drain(workers: 3, concurrency: 10)

        let jobs = try await fixture.query("SELECT count(*) FILTER (WHERE state = 'succeeded') AS ok, sum(snoozes) AS snoozes FROM switchyard.jobs")
        #expect(jobs.first?.int("ok") == 60)
        #expect((jobs.first?.int("snoozes") ?? 0) > 0)
        let windows = try await fixture.query(Self.perWindowSQL)
        let tokens = windows.map { $0.int("tokens") ?? 0 }
        #expect(windows.map { $0.int("calls") ?? 0 }.reduce(0, +) == 60)
        #expect(tokens.allSatisfy { $0 <= 1_500 }, "tokens per window: \(tokens)")
    }
}
