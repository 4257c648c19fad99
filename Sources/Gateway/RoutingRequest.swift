import Providers
/// What routing needs from a chat request: the text to classify and the token sizes that decide
/// context-window fit, budgets and estimated cost.
public struct RoutingRequest: Sendable, Hashable {
    /// The text the complexity classifier reads: the last user message.
    public var prompt: String
    public var estimatedPromptTokens: Int
    /// The request's `max_tokens` (or `max_completion_tokens`), when given.
    public var maxTokens: Int?

    /// Completion size assumed for cost estimates and budgets when the request sets no `max_tokens`.
    public static let defaultExpectedCompletionTokens = 256

    public init(prompt: String, estimatedPromptTokens: Int? = nil, maxTokens: Int? = nil) {
        self.prompt = prompt
        self.estimatedPromptTokens = estimatedPromptTokens ?? TokenEstimator.tokens(in: prompt)
        self.maxTokens = maxTokens
    }

    /// Reads an OpenAI chat-completions request.
    public init(request: JSONValue) {
        let messages = request["messages"]?.arrayValue ?? []
        let lastUser = messages.last { $0["role"]?.stringValue == "user" }
        self.init(
            prompt: lastUser.map { TokenEstimator.text(ofContent: $0["content"]) } ?? "",
            estimatedPromptTokens: TokenEstimator.promptTokens(request: request),
            maxTokens: request["max_tokens"]?.intValue ?? request["max_completion_tokens"]?.intValue)
    }

    /// Completion tokens assumed for estimates.
    public var expectedCompletionTokens: Int {
        maxTokens ?? Self.defaultExpectedCompletionTokens
    }

    /// Tokens to hold against a TPM budget: prompt plus expected completion.
    public var budgetTokens: Int {
        estimatedPromptTokens + expectedCompletionTokens
    }
}
