import Foundation
import Postgres
@testable import Queue
import Testing
import TestSupport

/// The batch writes (completion, heartbeat) must look each job up by primary key however stale the
/// planner's statistics are. The case that went wrong: `jobs` analysed while empty (a fresh database,
/// or `bench queue` after its cleanup), then filled and claimed before autovacuum analysed it again.
/// Believing `jobs` held a row or two, the planner looped over it and rescanned the whole batch for
/// each running job: 1,000 completions took seconds, not milliseconds, and a drain of 20,000 jobs
/// 25 s (once 115 s) instead of 1.
@Suite struct JobQueuePlanTests {
    @Test(arguments: [false, true])
    func batchWritesProbeThePrimaryKeyWithStatisticsFromAnEmptyTable(vacuumedWithPages: Bool) async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        // Vacuumed while empty, the table is estimated from its pages later (rows per page by row
        // width). Vacuumed with its pages full of dead rows but one live row at the end (so they
        // cannot be truncated), it counts as holding one row until analysed again.
        try await fixture.client.query("DELETE FROM switchyard.jobs")
        if vacuumedWithPages {
            _ = try await fixture.queue.enqueue([NewJob](repeating: QueueFixture.job(queue: "filler"), count: 3_000))
            try await fixture.client.query(
                "DELETE FROM switchyard.jobs WHERE id < (SELECT max(id) FROM switchyard.jobs)")
        }
        try await fixture.client.execute(unsafeSQL: "VACUUM ANALYZE switchyard.jobs")
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue([NewJob](repeating: QueueFixture.job(queue: queue), count: 5_000))
        let claimed = try await fixture.queue.claim(queue: queue, limit: 2_000, leaseMs: 60_000, workerID: "w")
        #expect(claimed.count == 2_000)
        let batch = Array(claimed.prefix(1_000)).sorted { $0.id < $1.id }
        let ids = SQLArray.integers(batch.map { $0.id })
        let attempts = SQLArray.integers(batch.map { $0.attempt })
        let zeros = SQLArray.integers(batch.map { _ in 0 })

        let completion: [(any PostgresEncodable)?] = [
            ids, attempts, zeros, zeros, SQLText(JSONText.array(batch.map { _ in "{}" })),
            PostgresJSON(JobError.cancelled.json), PostgresJSON(JobError.deadlineExceeded.json), nil, nil, "w",
        ]
        let heartbeat: [(any PostgresEncodable)?] = [ids, attempts, 60_000, PostgresJSON(JobError.cancelled.json), "w"]
        for (name, sql, parameters) in [("completion", JobQueue.completeSQL, completion),
                                        ("heartbeat", JobQueue.heartbeatSQL, heartbeat)] {
            let plan = try await fixture.client.transaction { connection in
                try connection.execute(unsafeSQL: JobQueue.lookUpJobsByPrimaryKey)
                return try connection.query("EXPLAIN (FORMAT JSON) " + sql, parameters).first?[0] ?? ""
            }
            let scans = ExplainPlan.scans(of: "jobs", in: plan)
            #expect(scans.count == 1, "\(name): \(plan)")
            for scan in scans {
                #expect(scan["Node Type"] as? String == "Index Scan", "\(name): \(plan)")
                #expect(scan["Index Name"] as? String == "jobs_pkey", "\(name): \(plan)")
                #expect((scan["Index Cond"] as? String)?.hasPrefix("(id = ANY (") == true, "\(name): \(plan)")
            }
            let joins = ExplainPlan.nodes(in: plan).compactMap { $0["Node Type"] as? String }.filter { $0.contains("Join") || $0.contains("Loop") }
            #expect(joins == ["Hash Join"], "\(name): \(plan)")
        }
        // And the statements do what they say on that table.
        let beat = try await fixture.queue.heartbeat(batch.map { (id: $0.id, attempt: $0.attempt) }, leaseMs: 60_000, workerID: "w")
        #expect(beat.lost.isEmpty && beat.cancelled.isEmpty)
        let written = try await fixture.queue.complete(batch.map { JobCompletion.succeeded($0, result: "{}") }, workerID: "w")
        #expect(written.written.count == 1_000 && written.skipped.isEmpty)
    }
}

/// Completions of one job each (an idle worker) must not plan their statement anew every time:
/// PostgreSQL preferred a custom plan for a short id array to the generic plan, whose estimate is
/// for an array of unknown length, and re-planned each completion (more planning than execution).
@Suite struct JobQueueCompletionPlanCacheTests {
    @Test func completionsOfOneJobKeepTheGenericPlan() async throws {
        let client = try await TestDatabase.sessionClient("JobQueueCompletionPlanCacheTests")
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let name = QueueFixture.uniqueQueue()
        _ = try await queue.enqueue((0..<12).map { _ in QueueFixture.job(queue: name) })
        for _ in 0..<12 {
            let job = try #require(try await queue.claim(queue: name, limit: 1, leaseMs: 60_000, workerID: "w").first)
            _ = try await queue.complete([.succeeded(job, result: "{}")], workerID: "w")
        }
        let plans = try await client.query("""
            SELECT generic_plans, custom_plans FROM pg_prepared_statements
            WHERE statement LIKE 'UPDATE switchyard.jobs j%SET state = CASE%'
            """)
        #expect(plans.count == 1)
        #expect(plans.first?.int("custom_plans") == 0, "custom plans: \(plans.first?.int("custom_plans") ?? -1)")
        #expect((plans.first?.int("generic_plans") ?? 0) >= 12)
    }
}
