import Foundation
import Postgres
import Queue
import Testing
import TestSupport

/// A worker that started on a small `jobs` table must not read the whole table on every claim once
/// it has grown. The case that went wrong: the prepared claims' cached generic plans, made while
/// the table held a few jobs, picked and updated the jobs through sequential scans (counted here as
/// rows read, which also catches a join over a whole index).
@Suite struct JobQueueClaimPlanTests {
    @Test func claimsPreparedOnASmallTableReadItByIndexOnceItHasGrown() async throws {
        let client = try await TestDatabase.sessionClient("JobQueueClaimPlanTests")
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let name = QueueFixture.uniqueQueue()
        // Ten claims of each kind while the table holds a few jobs: past the five custom plans, so
        // the connection now has whatever plan PostgreSQL caches for the rest of its life.
        let early = try await queue.enqueue((0..<20).map { _ in QueueFixture.job(queue: name) })
        for round in 0..<10 {
            _ = try await queue.claim(ids: [early[round].id], queue: name, limit: 1, leaseMs: 60_000, workerID: "w")
            _ = try await queue.claim(queue: name, limit: 1, leaseMs: 60_000, workerID: "w")
        }
        let late = try await queue.enqueue((0..<5_000).map { _ in QueueFixture.job(queue: name) })
        let before = try await ExplainPlan.rowsRead(of: "jobs", on: client)

        let named = try await queue.claim(ids: [late[4_000].id, early[0].id], queue: name, limit: 5, leaseMs: 60_000, workerID: "w")
        let next = try await queue.claim(queue: name, limit: 3, leaseMs: 60_000, workerID: "w")
        // Five jobs taken or looked at, each read through an index a few times: not 5,000 rows.
        let read = try await ExplainPlan.rowsRead(of: "jobs", on: client) - before
        #expect(read <= 50, "the two claims read \(read) rows of jobs")

        // And they still claim what they should: of the jobs named, the one still queued; then the
        // oldest queued jobs in order (the early claims took early[0...10]: round r claimed early[r]
        // by id, or found it taken, and the oldest queued one by index).
        #expect(named.map(\.id) == [late[4_000].id])
        #expect(named.first?.attempt == 1)
        #expect(next.map(\.id) == early[11..<14].map(\.id))
    }
}
