import Queue

/// Succeeds at once with an empty assistant message from the job's route, parsing nothing: the
/// executor of `bench queue`, measuring the queue and runtime alone.
public struct NoopExecutor: JobExecutor {
    public init() {}

    public func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        .succeeded(result: ChatCompletionText.make(
            id: "chatcmpl-" + String(job.id), model: job.route, content: "", created: ChatCompletionText.now()))
    }
}
