import Postgres

/// Enqueues single jobs from concurrent callers (an HTTP front's submissions) a batch per
/// statement: while a batch is being inserted, new jobs wait and go together in the next one (a
/// `RequestBatcher`, two batches at a time). Alone, a job is inserted at once, as by
/// `JobQueue.enqueue(_:durable:)`.
///
/// Each job was one INSERT and one commit before; under `switchyard bench api` (64 clients) those
/// were PostgreSQL's largest cost, and every one of them queued for the lock PostgreSQL holds
/// around a NOTIFYing commit. A batch is one multi-row INSERT, one NOTIFY naming its jobs, one
/// commit without waiting for the flush, then — if any job of the batch asked for a durable
/// enqueue — one wait for the flush that covers them all.
///
/// A job with an idempotency key goes alone (its conflict handling is per job). When a batch's
/// statement fails for a reason in the data (not a lost connection), each of its jobs is tried
/// alone, so only the job at fault gets the error.
public final class EnqueueBatcher: Sendable {
    private struct Request: Sendable {
        let job: NewJob
        let durable: Bool
    }

    private let queue: JobQueue
    private let batcher: RequestBatcher<Request, Result<EnqueuedJob, any Error>>

    public init(queue: JobQueue, maxBatchesInFlight: Int = 2, maxBatchSize: Int = 1_000) {
        self.queue = queue
        batcher = RequestBatcher(maxBatchesInFlight: maxBatchesInFlight, maxBatchSize: maxBatchSize) { requests in
            await Self.insert(requests, queue: queue)
        }
    }

    /// Enqueues `job`; see `JobQueue.enqueue(_:durable:)` for `durable` and the result.
    public func enqueue(_ job: NewJob, durable: Bool = true) async throws -> EnqueuedJob {
        if job.idempotencyKey != nil { return try await queue.enqueue(job, durable: durable) }
        return try await batcher.submit(Request(job: job, durable: durable)).get()
    }

    private static func insert(_ requests: [Request], queue: JobQueue) async -> [Result<EnqueuedJob, any Error>] {
        if requests.count == 1 { return [await alone(requests[0], queue: queue)] }
        do {
            let jobs = requests.map(\.job)
            let durable = requests.contains(where: \.durable)
            let enqueued = try await queue.client.withConnection { connection in
                let enqueued = try JobQueue.insertRelaxed(jobs, on: connection)
                if durable { try JobQueue.flushWAL(on: connection) }
                return enqueued
            }
            return enqueued.map { .success($0) }
        } catch let error as PostgresError where error.isConnectionProblem {
            // The insert may or may not have committed: retrying could enqueue the jobs twice.
            return requests.map { _ in .failure(error) }
        } catch {
            var results: [Result<EnqueuedJob, any Error>] = []
            for request in requests { results.append(await alone(request, queue: queue)) }
            return results
        }
    }

    private static func alone(_ request: Request, queue: JobQueue) async -> Result<EnqueuedJob, any Error> {
        do {
            return .success(try await queue.enqueue(request.job, durable: request.durable))
        } catch {
            return .failure(error)
        }
    }
}
