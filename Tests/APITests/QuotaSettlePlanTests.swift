import Foundation
import Gateway
import Postgres
import Queue
import Testing
import TestSupport

/// Settling quotas must not read all of `jobs` or `attempts` once they have grown, whatever plan
/// the settle statement was prepared with while they were small (as the claims and the cache
/// lookup did, migrations 0010 to 0012). Counted as rows read, which catches a sequential scan
/// and a join over a whole index alike.
@Suite struct QuotaSettlePlanTests {
    @Test func settlingPreparedOnSmallTablesReadsJobsAndTheLedgerByIndexOnceTheyHaveGrown() async throws {
        let client = try await TestDatabase.sessionClient("QuotaSettlePlanTests")
        defer { client.shutdown() }
        let ledger = QuotaLedger(client: client)
        let clientID = try #require(try await client.query(
            "INSERT INTO switchyard.clients (name, key_sha256, tpd) VALUES ('q', repeat('a', 64), 1000000) RETURNING id")[0].int64("id"))
        func job() -> NewJob {
            var job = NewJob(route: "r", request: #"{"model":"r","messages":[{"role":"user","content":"hi"}]}"#)
            job.queue = "settle-plan"
            job.clientID = clientID
            return job
        }
        /// Admits one job, writes its usage row, finishes it and settles.
        func settleOne() async throws -> Int64 {
            let admitted = try await ledger.admit([job()], tokens: [10], clientID: clientID)
            let id = try #require(admitted.jobs.first?.id)
            try await client.query("""
                INSERT INTO switchyard.attempts (job_id, attempt, outcome, prompt_tokens, completion_tokens) VALUES ($1, 1, 'ok', 3, 4)
                """, [id])
            try await client.query("UPDATE switchyard.jobs SET state = 'succeeded', finished_at = now() WHERE id = $1", [id])
            #expect(try await ledger.settle(waitForOthers: true) == 1)
            return id
        }
        // Ten settlements while the tables are small: past the five custom plans.
        for _ in 0..<10 { _ = try await settleOne() }
        try await client.query("""
            INSERT INTO switchyard.jobs (queue, route, request, state, finished_at) SELECT 'settle-plan-bulk', 'r', '{}', 'succeeded', now() FROM generate_series(1, 5000)
            """)
        try await client.query("""
            INSERT INTO switchyard.attempts (job_id, attempt, outcome) SELECT id, 1, 'ok' FROM switchyard.jobs WHERE queue = 'settle-plan-bulk'
            """)
        let jobsBefore = try await ExplainPlan.rowsRead(of: "jobs", on: client)
        let attemptsBefore = try await ExplainPlan.rowsRead(of: "attempts", on: client)
        _ = try await settleOne()
        // One job admitted, finished and settled, and its usage row: a few index reads, not 5,000 rows.
        let jobsRead = try await ExplainPlan.rowsRead(of: "jobs", on: client) - jobsBefore
        let attemptsRead = try await ExplainPlan.rowsRead(of: "attempts", on: client) - attemptsBefore
        #expect(jobsRead <= 50, "admitting, finishing and settling one job read \(jobsRead) rows of jobs")
        #expect(attemptsRead <= 50, "settling one job read \(attemptsRead) rows of the ledger")
        let usage = try await ledger.usage(clientIDs: [clientID])[clientID]
        #expect(usage?.reservedJobs == 0 && usage?.dayTokens == 11 * 7, "\(String(describing: usage))")
    }
}
