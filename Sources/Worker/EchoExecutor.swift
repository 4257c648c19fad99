import Foundation
import Queue

/// Answers every job with the text of its last user message, as a complete `chat.completion` from
/// the request's model. For tests, demos and trying the pipeline without a provider.
public struct EchoExecutor: JobExecutor {
    public init() {}

    public func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        guard let request = try? JSONSerialization.jsonObject(with: Data(job.request.utf8)) as? [String: Any] else {
            return .failed(JobError(code: "invalid_request", message: "the request is not a JSON object"), retryable: false)
        }
        let model = request["model"] as? String ?? job.route
        let messages = request["messages"] as? [[String: Any]] ?? []
        let last = messages.last { ($0["role"] as? String) == "user" }
        let content = last.map { Self.text(of: $0) } ?? ""
        let words = content.split(whereSeparator: \.isWhitespace).count
        return .succeeded(result: ChatCompletionText.make(
            id: "chatcmpl-" + String(job.id), model: model, content: content, created: ChatCompletionText.now(),
            promptTokens: words, completionTokens: words))
    }

    /// A message's text: a string, or the `text` parts of a content array.
    static func text(of message: [String: Any]) -> String {
        if let text = message["content"] as? String { return text }
        if let parts = message["content"] as? [[String: Any]] {
            return parts.compactMap { $0["text"] as? String }.joined(separator: "\n")
        }
        return ""
    }
}
