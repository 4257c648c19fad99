import Providers
import Testing

import Gateway

@Suite("Routing request: prompt text and token estimates from a chat request")
struct RoutingRequestTests {
    @Test func readsAnOpenAIRequest() throws {
        let request = try JSONValue.parse(
            #"""
            {"model": "auto", "max_tokens": 300,
             "messages": [
               {"role": "system", "content": "You are terse."},
               {"role": "user", "content": "First question"},
               {"role": "assistant", "content": "An answer"},
               {"role": "user", "content": [{"type": "text", "text": "Write a haiku"}, {"type": "image_url", "image_url": {"url": "x"}}]}
             ]}
            """#)
        let routing = RoutingRequest(request: request)
        #expect(routing.prompt == "Write a haiku")
        #expect(routing.maxTokens == 300)
        #expect(routing.expectedCompletionTokens == 300)
        // 3 + 4 messages x 4 overhead + text tokens (14/4→4, 14/4→4, 9/4→3, 13/4→4).
        #expect(routing.estimatedPromptTokens == 3 + 16 + 4 + 4 + 3 + 4)
        #expect(routing.budgetTokens == routing.estimatedPromptTokens + 300)
    }

    @Test func defaultsWithoutMaxTokensOrUserMessage() {
        let routing = RoutingRequest(request: ["messages": [["role": "system", "content": "only system"]]])
        #expect(routing.prompt == "")
        #expect(routing.maxTokens == nil)
        #expect(routing.expectedCompletionTokens == RoutingRequest.defaultExpectedCompletionTokens)
        #expect(RoutingRequest(request: ["max_completion_tokens": 50]).maxTokens == 50)
    }

    @Test(arguments: [("", 0), ("abcd", 1), ("abcde", 2), ("é", 1), (String(repeating: "x", count: 4_000), 1_000)])
    func tokensFromText(text: String, tokens: Int) {
        #expect(TokenEstimator.tokens(in: text) == tokens)
    }

    @Test func toolsCountTowardThePrompt() {
        let bare: JSONValue = ["messages": [["role": "user", "content": "hi"]]]
        let withTools: JSONValue = [
            "messages": [["role": "user", "content": "hi"]],
            "tools": [["type": "function", "function": ["name": "lookup", "description": "Looks things up"]]],
        ]
        #expect(TokenEstimator.promptTokens(request: withTools) > TokenEstimator.promptTokens(request: bare) + 10)
    }
}
