import Foundation
import Queue
import Testing

@Suite struct JobQueueRescueTests {
    @Test func expiredLeasesGoBackToQueuedOrFailWhenOutOfAttempts() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let again = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 1, maxAttempts: 2))
        let last = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 0, maxAttempts: 1))
        let claimed = try await fixture.queue.claim(queue: queue, limit: 2, leaseMs: 60_000, workerID: "dead-worker")
        #expect(claimed.count == 2)
        #expect(try await fixture.queue.rescueExpired().isEmpty)  // leases still valid
        try await fixture.expireLeases(ids: [again.id, last.id])
        let rescued = Dictionary(uniqueKeysWithValues: try await fixture.queue.rescueExpired().map { ($0.id, $0.state) })
        #expect(rescued[again.id] == .queued)
        #expect(rescued[last.id] == .failed)
        let failed = try await fixture.row(last.id)
        #expect(failed.error.flatMap(JobError.init(json:))?.code == "lease_expired")
        #expect(failed.finishedAt != nil)
        let reclaimed = try await fixture.queue.claim(queue: queue, limit: 2, leaseMs: 60_000, workerID: "w")
        #expect(reclaimed.map(\.id) == [again.id])
    }

    @Test func heartbeatsKeepLeasesAlive() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        let job = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 1_500, workerID: "w").first)
        // Three heartbeats span longer than one lease; generous margins because CI machines stall.
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(600))
            let beat = try await fixture.queue.heartbeat([(job.id, job.attempt)], leaseMs: 1_500)
            #expect(beat.lost.isEmpty && beat.cancelled.isEmpty)
            #expect(try await fixture.queue.rescueExpired().isEmpty)
        }
        try await Task.sleep(for: .milliseconds(1_600))
        #expect(try await fixture.queue.rescueExpired().map(\.id) == [job.id])
    }
}

@Suite struct RetryBackoffTests {
    @Test(arguments: [(1, 1_000), (2, 2_000), (3, 4_000), (10, 60_000), (50, 60_000)])
    func delaysGrowExponentiallyWithJitterAndACap(failures: Int, full: Int) {
        let backoff = RetryBackoff(baseMs: 1_000, capMs: 60_000, jitter: 0.5)
        for _ in 0..<50 {
            let delay = backoff.delayMs(afterFailures: failures)
            #expect(delay >= Int64(full / 2) && delay <= Int64(full))
        }
    }
}
