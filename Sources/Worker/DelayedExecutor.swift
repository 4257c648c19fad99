import Queue

/// Waits `delayMs` (a suspension, not a blocked thread) before handing the job to another executor:
/// simulates provider latency for demos and for tests that need jobs in flight when a worker dies.
public struct DelayedExecutor: JobExecutor {
    public let base: any JobExecutor
    public let delayMs: Int

    public init(_ base: any JobExecutor, delayMs: Int) {
        self.base = base
        self.delayMs = delayMs
    }

    public func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        if delayMs > 0 { try? await Task.sleep(for: .milliseconds(delayMs)) }
        if context.isCancelled { return .failed(.cancelled, retryable: false) }
        return await base.execute(job, context: context)
    }
}
