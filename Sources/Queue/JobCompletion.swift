/// The end of one claim, written by `JobQueue.complete(_:)` only while the job is still `running`
/// under the same claim (`id`, `attempt`).
public struct JobCompletion: Sendable {
    public enum Kind: Int32, Sendable {
        /// `payload` is the result (a chat.completion object).
        case succeeded = 0
        /// Terminal failure; `payload` is the error.
        case failed = 1
        /// A retryable failure: back to `queued` after `delayMs`, or `failed` once the job has used
        /// `max_attempts` (or the retry would pass its deadline). `payload` is the error.
        case retry = 2
        /// Nothing could be tried now: back to `queued` after `delayMs` without using up an attempt,
        /// bounded by the deadline. `payload` is an optional reason.
        case snooze = 3
        /// Cancelled at a checkpoint.
        case cancelled = 4
        /// Handed back unfinished (worker shutdown): `queued` again at once, no attempt used.
        case released = 5
    }

    public var id: Int64
    public var attempt: Int32
    public var kind: Kind
    /// JSON text: the result or error object; `nil` for none.
    public var payload: String?
    public var delayMs: Int64
    /// JSON text for `jobs.routing_trace`, written with the transition; `nil` keeps the stored one.
    public var routingTrace: String?
    /// `jobs.cache_key`, written with the transition; `nil` keeps the stored one.
    public var cacheKey: String?

    public init(id: Int64, attempt: Int32, kind: Kind, payload: String? = nil, delayMs: Int64 = 0) {
        self.id = id
        self.attempt = attempt
        self.kind = kind
        self.payload = payload
        self.delayMs = delayMs
    }

    public static func succeeded(_ job: ClaimedJob, result: String) -> JobCompletion {
        JobCompletion(id: job.id, attempt: job.attempt, kind: .succeeded, payload: result)
    }

    public static func failed(_ job: ClaimedJob, error: JobError) -> JobCompletion {
        JobCompletion(id: job.id, attempt: job.attempt, kind: .failed, payload: error.json)
    }

    public static func retry(_ job: ClaimedJob, error: JobError, delayMs: Int64) -> JobCompletion {
        JobCompletion(id: job.id, attempt: job.attempt, kind: .retry, payload: error.json, delayMs: delayMs)
    }

    public static func snooze(_ job: ClaimedJob, delayMs: Int64, reason: JobError? = nil) -> JobCompletion {
        JobCompletion(id: job.id, attempt: job.attempt, kind: .snooze, payload: reason?.json, delayMs: delayMs)
    }

    public static func cancelled(_ job: ClaimedJob) -> JobCompletion {
        JobCompletion(id: job.id, attempt: job.attempt, kind: .cancelled, payload: JobError.cancelled.json)
    }

    public static func released(_ job: ClaimedJob) -> JobCompletion {
        JobCompletion(id: job.id, attempt: job.attempt, kind: .released)
    }
}
