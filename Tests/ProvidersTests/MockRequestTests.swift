import Testing
import Providers
@testable import MockProvider

/// Calls as each wire format sends them, and what the real APIs answer to broken ones.
@Suite("Mock provider requests per wire format")
struct MockRequestTests {
    static let openAIBody: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "Hello there"]]]
    static let anthropicBody: JSONValue = ["model": "claude-3-5-sonnet", "max_tokens": 100, "messages": [["role": "user", "content": "Hello there"]]]
    static let geminiBody: JSONValue = ["contents": [["role": "user", "parts": [["text": "Hello there"]]]]]
    static let bearer = ["Authorization": "Bearer sk-test"]
    static let anthropicHeaders = ["x-api-key": "sk-ant", "anthropic-version": "2023-06-01"]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var call: MockCall
        var status: Int
        /// A path into the error body and the value expected there.
        var field: [String]
        var value: JSONValue
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "openai ok", call: MockCall(format: .openAI, headers: bearer, json: openAIBody), status: 200, field: ["object"], value: "chat.completion"),
        Case(name: "openai no key", call: MockCall(format: .openAI, json: openAIBody), status: 401, field: ["error", "type"], value: "invalid_request_error"),
        Case(name: "openai basic auth is no key", call: MockCall(format: .openAI, headers: ["Authorization": "Basic abc"], json: openAIBody), status: 401, field: ["error", "code"], value: nil),
        Case(name: "openai unknown model", call: MockCall(format: .openAI, headers: bearer, json: ["model": "gpt-9", "messages": [["role": "user", "content": "x"]]]), status: 404, field: ["error", "code"], value: "model_not_found"),
        Case(name: "openai no model", call: MockCall(format: .openAI, headers: bearer, json: ["messages": [["role": "user", "content": "x"]]]), status: 400, field: ["error", "message"], value: "you must provide a model parameter"),
        Case(name: "openai no messages", call: MockCall(format: .openAI, headers: bearer, json: ["model": "gpt-4o"]), status: 400, field: ["error", "param"], value: "messages"),
        Case(name: "openai bad role", call: MockCall(format: .openAI, headers: bearer, json: ["model": "gpt-4o", "messages": [["role": "robot", "content": "x"]]]), status: 400, field: ["error", "param"], value: "messages[0].role"),
        Case(name: "openai not json", call: MockCall(format: .openAI, headers: bearer, body: Array("{nope".utf8)), status: 400, field: ["error", "type"], value: "invalid_request_error"),
        Case(name: "openai stream refused", call: MockCall(format: .openAI, headers: bearer, json: ["model": "gpt-4o", "stream": true, "messages": [["role": "user", "content": "x"]]]), status: 400, field: ["error", "param"], value: "stream"),
        Case(name: "mistral on the openai path", call: MockCall(format: .openAI, headers: bearer, json: ["model": "mistral-large", "messages": [["role": "user", "content": "x"]]]), status: 200, field: ["model"], value: "mistral-large"),
        Case(name: "deepseek on the openai path", call: MockCall(format: .openAI, headers: bearer, json: ["model": "deepseek-chat", "messages": [["role": "user", "content": [["type": "text", "text": "x"]]]]]), status: 200, field: ["model"], value: "deepseek-chat"),
        Case(name: "azure ok", call: MockCall(format: .azure, headers: ["api-key": "k"], query: ["api-version": "2024-06-01"], json: ["messages": [["role": "user", "content": "x"]]], pathModel: "gpt-4o-mini"), status: 200, field: ["model"], value: "gpt-4o-mini"),
        Case(name: "azure no key", call: MockCall(format: .azure, query: ["api-version": "2024-06-01"], json: openAIBody, pathModel: "gpt-4o"), status: 401, field: ["error", "code"], value: "401"),
        Case(name: "azure bearer is not api-key", call: MockCall(format: .azure, headers: bearer, query: ["api-version": "2024-06-01"], json: openAIBody, pathModel: "gpt-4o"), status: 401, field: ["error", "code"], value: "401"),
        Case(name: "azure no api-version", call: MockCall(format: .azure, headers: ["api-key": "k"], json: openAIBody, pathModel: "gpt-4o"), status: 404, field: ["error", "message"], value: "Resource not found"),
        Case(name: "azure unknown deployment", call: MockCall(format: .azure, headers: ["api-key": "k"], query: ["api-version": "2024-06-01"], json: openAIBody, pathModel: "prod-gpt"), status: 404, field: ["error", "code"], value: "DeploymentNotFound"),
        Case(name: "anthropic ok", call: MockCall(format: .anthropic, headers: anthropicHeaders, json: anthropicBody), status: 200, field: ["type"], value: "message"),
        Case(name: "anthropic no key", call: MockCall(format: .anthropic, headers: ["anthropic-version": "2023-06-01"], json: anthropicBody), status: 401, field: ["error", "type"], value: "authentication_error"),
        Case(name: "anthropic no version", call: MockCall(format: .anthropic, headers: ["x-api-key": "k"], json: anthropicBody), status: 400, field: ["error", "message"], value: "anthropic-version: header is required"),
        Case(name: "anthropic no max_tokens", call: MockCall(format: .anthropic, headers: anthropicHeaders, json: ["model": "claude-3-5-sonnet", "messages": [["role": "user", "content": "x"]]]), status: 400, field: ["error", "message"], value: "max_tokens: Field required"),
        Case(name: "anthropic system role in messages", call: MockCall(format: .anthropic, headers: anthropicHeaders, json: ["model": "claude-3-5-sonnet", "max_tokens": 5, "messages": [["role": "system", "content": "x"]]]), status: 400, field: ["error", "type"], value: "invalid_request_error"),
        Case(name: "anthropic unknown model", call: MockCall(format: .anthropic, headers: anthropicHeaders, json: ["model": "claude-9", "max_tokens": 5, "messages": [["role": "user", "content": "x"]]]), status: 404, field: ["error", "type"], value: "not_found_error"),
        Case(name: "gemini header key", call: MockCall(format: .gemini, headers: ["x-goog-api-key": "g"], json: geminiBody, pathModel: "gemini-1.5-flash"), status: 200, field: ["modelVersion"], value: "gemini-1.5-flash"),
        Case(name: "gemini query key", call: MockCall(format: .gemini, query: ["key": "g"], json: geminiBody, pathModel: "gemini-1.5-flash"), status: 200, field: ["candidates"], value: nil),
        Case(name: "gemini no key", call: MockCall(format: .gemini, json: geminiBody, pathModel: "gemini-1.5-flash"), status: 403, field: ["error", "status"], value: "PERMISSION_DENIED"),
        Case(name: "gemini no contents", call: MockCall(format: .gemini, query: ["key": "g"], json: [:], pathModel: "gemini-1.5-flash"), status: 400, field: ["error", "status"], value: "INVALID_ARGUMENT"),
        Case(name: "gemini unknown model", call: MockCall(format: .gemini, query: ["key": "g"], json: geminiBody, pathModel: "gemini-9"), status: 404, field: ["error", "status"], value: "NOT_FOUND"),
    ]

    @Test(arguments: cases)
    func answersLikeTheRealAPI(_ testCase: Case) throws {
        let engine = MockProviderEngine(configuration: MockProviderConfiguration())
        let decision = engine.handle(testCase.call)
        #expect(decision.status == testCase.status, "\(decision.bodyText)")
        let body = try #require(decision.bodyJSON, "body is JSON")
        var value: JSONValue? = body
        for key in testCase.field { value = value?[key] }
        if testCase.value == nil, testCase.status == 200 {
            #expect(value != nil)
        } else {
            #expect(value == testCase.value, "\(body.description)")
        }
        if testCase.status >= 400 {
            #expect(decision.header("content-type") == "application/json")
        }
    }

    @Test func configuredKeysRejectOthersWithoutEchoingThem() {
        var configuration = MockProviderConfiguration()
        configuration.apiKeys = ["sk-good"]
        let engine = MockProviderEngine(configuration: configuration)
        let bad = engine.handle(MockCall(format: .openAI, headers: ["Authorization": "Bearer sk-wrong-secret-1234"], json: Self.openAIBody))
        #expect(bad.status == 401)
        #expect(bad.bodyJSON?["error"]?["code"] == "invalid_api_key")
        #expect(!bad.bodyText.contains("sk-wrong-secret-1234"))
        let gemini = engine.handle(MockCall(format: .gemini, query: ["key": "nope"], json: Self.geminiBody, pathModel: "gemini-1.5-flash"))
        #expect(gemini.status == 400)
        #expect(gemini.bodyJSON?["error"]?["status"] == "INVALID_ARGUMENT")
        let good = engine.handle(MockCall(format: .openAI, headers: ["Authorization": "Bearer sk-good"], json: Self.openAIBody))
        #expect(good.status == 200)
    }

    @Test func contextWindowErrorsPerFormat() throws {
        var configuration = MockProviderConfiguration()
        configuration.models["gpt-4o"]?.contextWindow = 10
        configuration.models["claude-3-5-sonnet"]?.contextWindow = 10
        let engine = MockProviderEngine(configuration: configuration)
        let long = String(repeating: "word ", count: 40)
        let openAI = engine.handle(MockCall(format: .openAI, headers: Self.bearer, json: ["model": "gpt-4o", "messages": [["role": "user", "content": .string(long)]]]))
        #expect(openAI.status == 400)
        #expect(openAI.bodyJSON?["error"]?["code"] == "context_length_exceeded")
        let anthropic = engine.handle(MockCall(format: .anthropic, headers: Self.anthropicHeaders, json: ["model": "claude-3-5-sonnet", "max_tokens": 5, "messages": [["role": "user", "content": .string(long)]]]))
        #expect(anthropic.status == 400)
        #expect(anthropic.bodyJSON?["error"]?["message"]?.stringValue?.hasPrefix("prompt is too long") == true)
    }

    @Test func parsedRequestCarriesSystemPromptsFirst() throws {
        let call = MockCall(format: .anthropic, headers: Self.anthropicHeaders, json: [
            "model": "claude-3-5-sonnet", "max_tokens": 64, "system": [["type": "text", "text": "Be brief."]],
            "messages": [["role": "user", "content": [["type": "text", "text": "Hi"]]]],
        ])
        let request = try MockRequestParser.parse(call).get()
        #expect(request.messages == [.init(role: "system", text: "Be brief."), .init(role: "user", text: "Hi")])
        #expect(request.maxTokens == 64)
        let gemini = try MockRequestParser.parse(MockCall(format: .gemini, json: [
            "systemInstruction": ["parts": [["text": "Be brief."]]],
            "contents": [["role": "user", "parts": [["text": "Hi"]]], ["role": "model", "parts": [["text": "Yo"]]]],
            "generationConfig": ["maxOutputTokens": 8, "responseMimeType": "application/json"],
        ], pathModel: "gemini-1.5-flash")).get()
        #expect(gemini.messages.map(\.role) == ["system", "user", "assistant"])
        #expect(gemini.maxTokens == 8 && gemini.jsonMode)
    }
}
