import Foundation
import Queue
import TestSupport
import Testing

@Suite struct JobQueueClaimTests {
    @Test func claimTakesHighestPriorityFirstAndSetsTheLease() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let low = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 0))
        let high = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 10))
        let claimed = try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w1")
        #expect(claimed.map(\.id) == [high.id])
        #expect(claimed.first?.attempt == 1)
        #expect(claimed.first?.request.contains("hello") == true)
        let row = try await fixture.row(high.id)
        #expect(row.state == .running)
        #expect(row.attempt == 1)
        #expect(row.workerID == "w1")
        #expect(row.attemptedAt != nil)
        let rest = try await fixture.queue.claim(queue: queue, limit: 10, leaseMs: 60_000, workerID: "w1")
        #expect(rest.map(\.id) == [low.id])
    }

    @Test func theClaimsAsynchronousCommitDoesNotOutliveIt() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        // One connection, so the claim and what follows it share a session.
        let client = TestDatabase.client(fixture.url, maxConnections: 1)
        defer { client.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let job = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        let claimed = try await JobQueue(client: client).claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w")
        #expect(claimed.map(\.id) == [job.id])
        // Completions, enqueues and everything else on the pooled connection stay synchronous.
        let setting = try await client.query("SHOW synchronous_commit")
        #expect(setting.first?[0] == "on")
    }

    @Test func scheduledJobsWaitForTheirTime() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        var later = QueueFixture.job(queue: queue)
        later.runAt = Date().addingTimeInterval(3_600)
        _ = try await fixture.queue.enqueue(later)
        #expect(try await fixture.queue.claim(queue: queue, limit: 10, leaseMs: 1_000, workerID: "w").isEmpty)
        #expect(try await fixture.queue.hasUnfinishedJobs(queue: queue))
    }

    @Test func concurrentClaimsNeverShareAJob() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue((0..<400).map { _ in QueueFixture.job(queue: queue) })
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let jobs = try await fixture.queue.claim(queue: queue, limit: 25, leaseMs: 60_000, workerID: "w\(worker)")
                        if jobs.isEmpty { return mine }
                        mine += jobs.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(claims.count == 400)
        #expect(Set(claims).count == 400)
    }
}
