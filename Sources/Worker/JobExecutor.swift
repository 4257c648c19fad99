import Queue

/// Runs one claimed job. The runtime calls it from one of its long-lived slot tasks (there is no
/// task per job), so an executor that never suspends costs a function call.
public protocol JobExecutor: Sendable {
    /// Executes `job` and says how it ended. Should return soon after `context.isCancelled` turns
    /// true (cancelled by the client, lease lost, or worker shutdown past its grace period).
    func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome
}
