import Postgres
@testable import Queue
import Testing
import TestSupport
@testable import Worker

/// The ledger's statements run inside the completion's transaction, under the planner settings
/// that pin the completion's own plan (no nested loop, no sequential or bitmap scan). They must
/// not read the whole cache under them.
@Suite struct LedgerWriterPlanTests {
    @Test func countingCacheHitsReadsOnlyTheKeysHit() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        try await fixture.client.query("""
            INSERT INTO switchyard.cache (key, model, response, state, created_at, expires_at)
            SELECT 'key-' || n, 'm', '{}', 'ready', now(), now() + interval '1 hour' FROM generate_series(1, 3000) AS n
            """)
        try await fixture.client.execute(unsafeSQL: "ANALYZE switchyard.cache")
        let hits = ["key-7", "key-7", "key-2999"]
        let plan = try await fixture.client.transaction { connection in
            try connection.execute(unsafeSQL: JobQueue.lookUpJobsByPrimaryKey)
            return try connection.query("EXPLAIN (FORMAT JSON) " + LedgerWriter.countHitsSQL, [hits]).first?[0] ?? ""
        }
        let scans = ExplainPlan.scans(of: "cache", in: plan)
        #expect(scans.count == 1 && scans.allSatisfy { ($0["Index Cond"] as? String)?.contains("ANY") == true }, "\(plan)")
        try await fixture.client.transaction { connection in
            try connection.execute(unsafeSQL: JobQueue.lookUpJobsByPrimaryKey)
            try connection.query(LedgerWriter.countHitsSQL, [hits])
        }
        let counted = try await fixture.client.query(
            "SELECT key, hits FROM switchyard.cache WHERE hits > 0 ORDER BY key")
        #expect(counted.map { "\($0.string("key") ?? "")=\($0.int("hits") ?? 0)" } == ["key-2999=1", "key-7=2"])
    }
}
