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
        let leaseMs = 2_000
        let clock = ContinuousClock()
        let claimedAt = clock.now
        let job = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: leaseMs, workerID: "w").first)
        // Heartbeats spanning longer than one lease keep the job from being rescued. A check is
        // only meaningful while less than a lease has passed since its heartbeat was sent (a loaded
        // machine can stall longer than that), so each one records how many were meaningful.
        var checked = 0
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(700))
            let sent = clock.now
            let beat = try await fixture.queue.heartbeat([(job.id, job.attempt)], leaseMs: leaseMs)
            #expect(beat.lost.isEmpty && beat.cancelled.isEmpty)
            let rescued = try await fixture.queue.rescueExpired()
            if clock.now - sent < .milliseconds(leaseMs) {
                #expect(rescued.isEmpty)
                checked += 1
            } else if !rescued.isEmpty {
                return  // The machine stalled past the lease: rescue was right; nothing more to check.
            }
        }
        #expect(clock.now - claimedAt > .milliseconds(leaseMs))
        #expect(checked > 0)
        try await Task.sleep(for: .milliseconds(leaseMs + 200))
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
