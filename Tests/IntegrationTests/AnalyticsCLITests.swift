import Foundation
import Postgres
import Testing
import TestSupport

/// `switchyard stats` and `switchyard providers` through the real binary.
@Suite struct AnalyticsCLITests {
    static let contractKeys: Set<String> = [
        "provider", "model", "requests", "succeeded", "failed", "avg_latency_ms", "p95_latency_ms",
        "prompt_tokens", "completion_tokens", "cost_usd", "cache_hits",
    ]

    func run(_ arguments: [String], url: String) async throws -> (code: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(switchyardBinary, arguments, environment: ["SWITCHYARD_DATABASE_URL": url])
    }

    func objects(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    @Test func statsJSONIsAnArrayOfContractObjects() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()

        let result = try await run(["stats", "--json"], url: fixture.url)
        #expect(result.code == 0, "\(result.stderr)")
        let rows = try objects(result.stdout)
        #expect(rows.count == 3)
        for row in rows { #expect(Set(row.keys) == Self.contractKeys) }
        let big = try #require(rows.first { $0["model"] as? String == "gpt-4o" })
        #expect(big["provider"] as? String == "openai")
        #expect(big["requests"] as? Int == 8)
        #expect(big["succeeded"] as? Int == 7)
        #expect(big["failed"] as? Int == 1)
        #expect(big["avg_latency_ms"] as? Double == 300)
        #expect(big["p95_latency_ms"] as? Double == 480)
        #expect(big["prompt_tokens"] as? Int == 50)
        #expect(big["completion_tokens"] as? Int == 100)
        #expect(big["cost_usd"] as? Double == 0.05)
        #expect(big["cache_hits"] as? Int == 2)

        let table = try await run(["stats"], url: fixture.url)
        #expect(table.code == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("PROVIDER") == true)
        #expect(lines.contains { $0.contains("gpt-4o-mini") && $0.contains("0.003") })
    }

    @Test func statsSinceKeepsOnlyRecentRows() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        try await fixture.loadKnownLedger()   // all in 2025
        let job = try await fixture.job()
        try await fixture.attempt(job: job, AnalyticsFixture.Row(
            deployment: "gpt-4o", provider: "openai", model: "gpt-4o", latency: 42, prompt: 3, completion: 4,
            cost: "0.25"))

        let result = try await run(["stats", "--since", "1h", "--json"], url: fixture.url)
        #expect(result.code == 0, "\(result.stderr)")
        let rows = try objects(result.stdout)
        #expect(rows.count == 1)
        #expect(rows.first?["requests"] as? Int == 1)
        #expect(rows.first?["avg_latency_ms"] as? Double == 42)
        #expect(rows.first?["cost_usd"] as? Double == 0.25)

        let bad = try await run(["stats", "--since", "an hour"], url: fixture.url)
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("--since"))
    }

    @Test func statsOnAnEmptyLedgerIsAnEmptyArray() async throws {
        let url = try await TestDatabase.create()
        let result = try await run(["stats", "--json"], url: url)
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func providersJSONShowsBreakerAndHealthPerDeployment() async throws {
        let fixture = try await AnalyticsFixture.make()
        defer { fixture.client.shutdown() }
        _ = try await fixture.client.query(
            """
            INSERT INTO switchyard.deployment_state (deployment, provider, model, breaker_state, consecutive_failures,
                open_until, latency_ewma_ms)
            VALUES ('gpt-4o', 'openai', 'gpt-4o', 'open', 5, now() + interval '60 seconds', 480.5),
                   ('gpt-4o-mini', 'openai', 'gpt-4o-mini', 'closed', 0, NULL, 20.25)
            """)
        let result = try await run(["providers", "--json"], url: fixture.url)
        #expect(result.code == 0, "\(result.stderr)")
        let rows = try objects(result.stdout)
        #expect(rows.count == 2)
        let open = try #require(rows.first { $0["deployment"] as? String == "gpt-4o" })
        #expect(open["provider"] as? String == "openai")
        #expect(open["breaker_state"] as? String == "open")
        #expect(open["healthy"] as? Bool == false)
        #expect(open["consecutive_failures"] as? Int == 5)
        #expect(open["latency_ewma_ms"] as? Double == 480.5)
        #expect(open["open_until"] is String)
        #expect(open["cooldown_until"] is NSNull)
        let mini = try #require(rows.first { $0["deployment"] as? String == "gpt-4o-mini" })
        #expect(mini["healthy"] as? Bool == true)
        #expect(mini["recent_calls"] as? Int == 0)

        let table = try await run(["providers"], url: fixture.url)
        #expect(table.code == 0)
        #expect(table.stdout.split(separator: "\n").count == 3)
        #expect(table.stdout.contains("DEPLOYMENT"))
    }
}
