import Testing
import Providers
@testable import MockProvider

@Suite("Mock provider answers")
struct MockAnswerTests {
    static let request = MockChatRequest(model: "gpt-4o", messages: [
        .init(role: "system", text: "You summarise contracts."),
        .init(role: "user", text: "Summarise the attached contract in three bullet points, please, keeping the tone neutral and short."),
    ])

    @Test func sameMessagesSameAnswer() {
        let first = MockAnswer(for: Self.request, answeredBy: "gpt-4o")
        let second = MockAnswer(for: Self.request, answeredBy: "gpt-4o")
        #expect(first == second)
        #expect(first.text.contains(first.hash))
        #expect(first.text.hasPrefix("Mock answer \(first.hash) from gpt-4o: \"Summarise the attached contract in three bullet points, please, keeping the"))
        #expect(first.text.hasSuffix("(15 words)."))
        var other = Self.request
        other.messages[1].text += "!"
        #expect(MockAnswer(for: other, answeredBy: "gpt-4o").hash != first.hash)
        var swapped = Self.request
        swapped.messages[0].role = "user"
        #expect(MockAnswer(for: swapped, answeredBy: "gpt-4o").hash != first.hash, "roles are part of the hash")
    }

    @Test func tokenCountsFollowCharactersOverFour() {
        let answer = MockAnswer(for: Self.request, answeredBy: "gpt-4o")
        let expectedPrompt = 3 + Self.request.messages.map { ($0.text.utf8.count + 3) / 4 + 4 }.reduce(0, +)
        #expect(answer.promptTokens == expectedPrompt)
        #expect(answer.completionTokens == (answer.text.utf8.count + 3) / 4)
        #expect((15...60).contains(answer.completionTokens))
        #expect(answer.totalTokens == answer.promptTokens + answer.completionTokens)
    }

    @Test func maxTokensTruncates() {
        var request = Self.request
        request.maxTokens = 3
        let answer = MockAnswer(for: request, answeredBy: "gpt-4o")
        #expect(answer.truncated)
        #expect(answer.completionTokens == 3)
        #expect(answer.text.utf8.count <= 12)
    }

    @Test func jsonModeAnswersJSON() throws {
        var request = Self.request
        request.jsonMode = true
        let answer = MockAnswer(for: request, answeredBy: "gpt-4o-mini")
        let json = try JSONValue.parse(answer.text)
        #expect(json["hash"]?.stringValue == answer.hash)
        #expect(json["model"] == "gpt-4o-mini")
        #expect(json["words"] == 15)
    }

    @Test func openAIShape() throws {
        let answer = MockAnswer(for: Self.request, answeredBy: "gpt-4o-2024-08-06")
        let json = try JSONValue.parse(MockResponseBody.render(answer, format: .openAI, id: "abc", created: 1_700_000_000))
        #expect(json["id"] == "chatcmpl-abc")
        #expect(json["object"] == "chat.completion")
        #expect(json["created"] == 1_700_000_000)
        #expect(json["model"] == "gpt-4o-2024-08-06")
        let choice = try #require(json["choices"]?.arrayValue?.first)
        #expect(choice["message"]?["role"] == "assistant")
        #expect(choice["message"]?["content"]?.stringValue == answer.text)
        #expect(choice["finish_reason"] == "stop")
        #expect(json["usage"]?["prompt_tokens"]?.intValue == answer.promptTokens)
        #expect(json["usage"]?["completion_tokens"]?.intValue == answer.completionTokens)
        #expect(json["usage"]?["total_tokens"]?.intValue == answer.totalTokens)
        #expect(json["usage"]?["prompt_tokens_details"]?["cached_tokens"] == 0)
    }

    @Test func anthropicShape() throws {
        var request = Self.request
        request.maxTokens = 2
        let answer = MockAnswer(for: request, answeredBy: "claude-3-5-sonnet")
        let json = try JSONValue.parse(MockResponseBody.render(answer, format: .anthropic, id: "abc", created: 0))
        #expect(json["id"] == "msg_abc")
        #expect(json["type"] == "message" && json["role"] == "assistant")
        #expect(json["model"] == "claude-3-5-sonnet")
        #expect(json["content"]?.arrayValue?.first?["type"] == "text")
        #expect(json["content"]?.arrayValue?.first?["text"]?.stringValue == answer.text)
        #expect(json["stop_reason"] == "max_tokens")
        #expect(json["usage"]?["input_tokens"]?.intValue == answer.promptTokens)
        #expect(json["usage"]?["output_tokens"] == 2)
    }

    @Test func geminiShape() throws {
        let answer = MockAnswer(for: Self.request, answeredBy: "gemini-1.5-flash")
        let json = try JSONValue.parse(MockResponseBody.render(answer, format: .gemini, id: "abc", created: 0))
        let candidate = try #require(json["candidates"]?.arrayValue?.first)
        #expect(candidate["content"]?["role"] == "model")
        #expect(candidate["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue == answer.text)
        #expect(candidate["finishReason"] == "STOP")
        #expect(json["usageMetadata"]?["promptTokenCount"]?.intValue == answer.promptTokens)
        #expect(json["usageMetadata"]?["candidatesTokenCount"]?.intValue == answer.completionTokens)
        #expect(json["usageMetadata"]?["totalTokenCount"]?.intValue == answer.totalTokens)
        #expect(json["modelVersion"] == "gemini-1.5-flash")
    }

    @Test func malformedAndTruncatedBodiesAreNotJSON() {
        let body = MockResponseBody.render(MockAnswer(for: Self.request, answeredBy: "gpt-4o"), format: .openAI, id: "x", created: 0)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(MockResponseBody.malformed(body)) }
        let truncated = MockResponseBody.truncated(body)
        #expect(body.hasPrefix(truncated) && truncated.utf8.count < body.utf8.count)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(truncated) }
    }

    @Test func longRepeatedPromptsGetCachedTokensOnOpenAI() throws {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        let long = String(repeating: "lorem ipsum ", count: 500)
        let call = MockCall(format: .openAI, headers: ["Authorization": "Bearer k"], json: ["model": "gpt-4o", "messages": [["role": "user", "content": .string(long)]]])
        let first = try #require(engine.handle(call).bodyJSON)
        let second = try #require(engine.handle(call).bodyJSON)
        #expect(first["usage"]?["prompt_tokens_details"]?["cached_tokens"] == 0)
        let prompt = try #require(second["usage"]?["prompt_tokens"]?.intValue)
        #expect(second["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.intValue == prompt / 128 * 128)
        #expect(first["choices"] == second["choices"], "the answer itself does not change")
    }
}
