import Testing

@testable import Providers

struct SuccessCase: Sendable, CustomTestStringConvertible {
    var name: String
    var format: WireFormat
    var body: String
    var model: String
    var text: String?
    var finishReason: String
    var usage: ChatCompletion.Usage
    var toolCall: ChatMessage.ToolCall? = nil

    var testDescription: String { name }
}

@Suite("Adapters parse provider answers")
struct AdapterResponseTests {
    static let cases: [SuccessCase] = [
        SuccessCase(
            name: "openai text", format: .openai, body: Fixtures.openAISuccess, model: "gpt-4o-mini-2024-07-18", text: "Hello there!",
            finishReason: "stop", usage: .init(promptTokens: 19, completionTokens: 10, totalTokens: 29, cachedTokens: 6)),
        SuccessCase(
            name: "openai tool call", format: .openai, body: Fixtures.openAIToolCall, model: "gpt-4o-2024-08-06", text: nil,
            finishReason: "tool_calls", usage: .init(promptTokens: 82, completionTokens: 17),
            toolCall: .init(id: "call_abc123", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
        SuccessCase(
            name: "azure length", format: .azure, body: Fixtures.azureSuccess, model: "gpt-4o-2024-08-06", text: "Once upon a",
            finishReason: "length", usage: .init(promptTokens: 11, completionTokens: 3)),
        SuccessCase(
            name: "mistral", format: .mistral, body: Fixtures.mistralSuccess, model: "mistral-large-latest", text: "Bonjour !",
            finishReason: "stop", usage: .init(promptTokens: 16, completionTokens: 34)),
        SuccessCase(
            name: "deepseek cache hits", format: .deepseek, body: Fixtures.deepSeekSuccess, model: "deepseek-chat",
            text: "Hello! How can I help you today?", finishReason: "stop",
            usage: .init(promptTokens: 16, completionTokens: 10, cachedTokens: 12)),
        SuccessCase(
            name: "vllm", format: .openaiCompatible, body: Fixtures.vllmSuccess, model: "meta-llama/Llama-3.1-8B-Instruct", text: "Hi.",
            finishReason: "stop", usage: .init(promptTokens: 12, completionTokens: 3)),
        SuccessCase(
            name: "anthropic text with cache read", format: .anthropic, body: Fixtures.anthropicSuccess, model: "claude-3-5-sonnet-20241022",
            text: "Hello!", finishReason: "stop", usage: .init(promptTokens: 32, completionTokens: 6, cachedTokens: 20)),
        SuccessCase(
            name: "anthropic tool use", format: .anthropic, body: Fixtures.anthropicToolUse, model: "claude-3-5-sonnet-20241022",
            text: "I'll check the weather.", finishReason: "tool_calls", usage: .init(promptTokens: 320, completionTokens: 48),
            toolCall: .init(id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
        SuccessCase(
            name: "gemini text", format: .gemini, body: Fixtures.geminiSuccess, model: "gemini-1.5-flash-002", text: "Hello world",
            finishReason: "stop", usage: .init(promptTokens: 5, completionTokens: 3, totalTokens: 8, cachedTokens: 2)),
        SuccessCase(
            name: "gemini function call", format: .gemini, body: Fixtures.geminiFunctionCall, model: "gemini-1.5-pro-002", text: nil,
            finishReason: "tool_calls", usage: .init(promptTokens: 40, completionTokens: 7),
            toolCall: .init(id: "call_0_0", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
        SuccessCase(
            name: "gemini max tokens with thoughts", format: .gemini, body: Fixtures.geminiMaxTokens, model: "gemini-2.5-flash",
            text: "Once upon", finishReason: "length", usage: .init(promptTokens: 4, completionTokens: 7, totalTokens: 6)),
    ]

    @Test(arguments: cases)
    func parsesCompletionUsageAndFinishReason(_ c: SuccessCase) throws {
        let completion = try c.format.adapter.parseResponse(
            status: 200, headers: ["content-type": "application/json"], body: Array(c.body.utf8), model: "requested-model")
        #expect(completion.object == "chat.completion")
        #expect(completion.model == c.model)
        #expect(completion.created > 0)
        #expect(completion.choices.count == 1)
        let choice = try #require(completion.choices.first)
        #expect(choice.message.role == .assistant)
        #expect(choice.message.content?.text == c.text)
        #expect(choice.finishReason == c.finishReason)
        #expect(completion.usage == c.usage)
        #expect(choice.message.toolCalls?.first == c.toolCall)
        // The canonical JSON reads back to the same value.
        #expect(try ChatCompletion(jsonBytes: completion.jsonBytes()) == completion)
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("refusal", "content_filter"), ("pause_turn", "stop"),
    ])
    func anthropicStopReasons(_ stopReason: String, _ expected: String) {
        #expect(AnthropicAdapter.finishReason(stopReason) == expected)
    }

    @Test(arguments: [
        ("STOP", "stop"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"), ("PROHIBITED_CONTENT", "content_filter"), ("SPII", "content_filter"),
        ("OTHER", "stop"), ("MALFORMED_FUNCTION_CALL", "stop"),
    ])
    func geminiFinishReasons(_ reason: String, _ expected: String) {
        #expect(GeminiAdapter.finishReason(reason) == expected)
    }

    @Test(arguments: [Fixtures.geminiPromptBlocked, Fixtures.geminiCandidateBlocked])
    func geminiSafetyBlocksAreContentFiltered(_ body: String) {
        let error = #expect(throws: ProviderError.self) {
            try GeminiAdapter().parseResponse(status: 200, headers: [:], body: Array(body.utf8), model: "gemini-1.5-flash")
        }
        #expect(error?.kind == .contentFiltered)
        #expect(error?.providerCode == "SAFETY")
        #expect(error?.ledgerOutcome == "client_error")
    }

    @Test(arguments: WireFormat.allCases)
    func truncatedSuccessBodyIsARetryableServerError(_ format: WireFormat) {
        let error = #expect(throws: ProviderError.self) {
            try format.adapter.parseResponse(status: 200, headers: [:], body: Array(Fixtures.truncated.utf8), model: "m")
        }
        #expect(error?.kind == .serverError)
        #expect(error?.isRetryable == true)
        #expect(error?.message.hasPrefix("malformed response body") == true)
    }

    @Test func modelFallsBackToTheRequestedOneWhenTheBodyNamesNone() throws {
        let body = #"{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}"#
        let completion = try OpenAIAdapter(format: .openaiCompatible).parseResponse(
            status: 200, headers: [:], body: Array(body.utf8), model: "local-model")
        #expect(completion.model == "local-model")
        #expect(completion.usage == nil)
    }
}
