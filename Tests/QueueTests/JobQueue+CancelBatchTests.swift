import Foundation
import Postgres
import Queue
import Testing

@Suite struct JobQueueCancelBatchTests {
    @Test func cancelsQueuedJobsFlagsRunningOnesAndLeavesTheRestAlone() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        func jobs(batch: Int64?, count: Int) -> [NewJob] {
            (0..<count).map { _ in
                var job = QueueFixture.job(queue: queue)
                job.batchID = batch
                return job
            }
        }
        let batch = try await fixture.queue.enqueue(jobs(batch: 7, count: 4)).map(\.id)
        let other = try await fixture.queue.enqueue(jobs(batch: 8, count: 1) + jobs(batch: nil, count: 1)).map(\.id)
        // Claims take the oldest first: the batch's first two jobs, then finish one of them.
        let claimed = try await fixture.queue.claim(queue: queue, limit: 2, leaseMs: 60_000, workerID: "w")
        #expect(claimed.map(\.id) == Array(batch.prefix(2)))
        _ = try await fixture.queue.complete([.succeeded(claimed[0], result: "{}")])

        let error = JobError(code: "batch_cancelled", message: "the batch was cancelled")
        let counts = try await fixture.client.transaction { connection in
            try JobQueue.cancelJobs(inBatch: 7, error: error, on: connection)
        }
        #expect(counts.cancelled == 2 && counts.flagged == 1)
        let rows = try await (batch + other).asyncMap { try await fixture.row($0) }
        #expect(rows.map(\.state) == [.succeeded, .running, .cancelled, .cancelled, .queued, .queued])
        #expect(rows.map(\.cancelRequested) == [false, true, true, true, false, false])
        #expect(rows[2].error.flatMap { JobError(json: $0) } == error)
        #expect(rows[2].finishedAt != nil)

        // Again: nothing left to cancel or flag.
        let again = try await fixture.client.transaction { connection in
            try JobQueue.cancelJobs(inBatch: 7, error: error, on: connection)
        }
        #expect(again.cancelled == 0 && again.flagged == 0)
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
