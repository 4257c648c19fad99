import Foundation
import Queue
import Testing

@Suite struct JobQueueCancelTests {
    @Test func cancellingAQueuedJobCancelsItAtOnce() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let job = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        #expect(try await fixture.queue.cancel(id: job.id) == .cancelled)
        let row = try await fixture.row(job.id)
        #expect(row.state == .cancelled && row.finishedAt != nil)
        #expect(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 1_000, workerID: "w").isEmpty)
        #expect(try await fixture.queue.cancel(id: job.id) == .cancelled)
        #expect(try await fixture.queue.cancel(id: 987_654_321) == nil)
    }

    @Test func aRunningJobIsCancelledAtItsNextHeartbeat() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        let job = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w").first)
        #expect(try await fixture.queue.cancel(id: job.id) == .running)
        #expect(try await fixture.row(job.id).cancelRequested)
        let heartbeat = try await fixture.queue.heartbeat([(job.id, job.attempt)], leaseMs: 60_000)
        #expect(heartbeat.cancelled == [job.id])
        #expect(try await fixture.row(job.id).state == .cancelled)
        let late = try await fixture.queue.complete([.succeeded(job, result: "{}")])
        #expect(late.skipped == [job.id])
    }

    @Test func aRunningJobIsCancelledAtCompletionUnlessItSucceeded() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue((0..<2).map { _ in QueueFixture.job(queue: queue) })
        let jobs = try await fixture.queue.claim(queue: queue, limit: 2, leaseMs: 60_000, workerID: "w")
        for job in jobs { _ = try await fixture.queue.cancel(id: job.id) }
        let result = try await fixture.queue.complete([
            .retry(jobs[0], error: JobError(code: "x", message: "y"), delayMs: 0),
            .succeeded(jobs[1], result: "{\"done\":true}"),
        ])
        let states = Dictionary(uniqueKeysWithValues: result.written.map { ($0.id, $0.state) })
        #expect(states[jobs[0].id] == .cancelled)
        #expect(states[jobs[1].id] == .succeeded)
    }

    @Test func anExpiredCancelRequestedJobIsCancelledByTheRescuer() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        let job = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w").first)
        _ = try await fixture.queue.cancel(id: job.id)
        try await fixture.expireLeases(ids: [job.id])
        let rescued = try await fixture.queue.rescueExpired()
        #expect(rescued.contains { $0.id == job.id && $0.state == .cancelled })
    }
}
