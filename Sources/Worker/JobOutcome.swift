import Foundation
import Queue

/// How one execution of a job ended.
public enum JobOutcome: Sendable {
    /// `result` is a complete OpenAI `chat.completion` object (JSON text).
    case succeeded(result: String)
    /// A retryable failure is retried with backoff until the job used `max_attempts`.
    case failed(JobError, retryable: Bool)
    /// Nothing could be tried now: run again at `until` without using an attempt (bounded by the
    /// job's deadline).
    case snoozed(until: Date, reason: JobError? = nil)
    /// `outcome`, plus rows written in the same transaction as the job's transition.
    indirect case recorded(JobOutcome, JobRecords)
}
