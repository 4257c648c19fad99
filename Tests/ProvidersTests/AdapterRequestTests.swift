import Testing

@testable import Providers

/// One adapter's expected translation of `AdapterRequestTests.sample`.
struct RequestCase: Sendable, CustomTestStringConvertible {
    var endpoint: ProviderEndpoint
    var model: String
    var url: String
    var headers: [String: String]
    var absentHeaders: [String] = []
    var body: String

    var testDescription: String { endpoint.format.rawValue }
}

@Suite("Adapters build provider requests")
struct AdapterRequestTests {
    static let sample = ChatRequest(
        model: "smart", messages: [.system("You are terse."), .user("Hi")], temperature: 0.2, maxTokens: 100,
        stop: .multiple(["END"]), seed: 7, user: "u-1")

    static let cases: [RequestCase] = [
        RequestCase(
            endpoint: ProviderEndpoint(format: .openai, key: ProviderKey("sk-openai")), model: "gpt-4o-mini",
            url: "https://api.openai.com/v1/chat/completions",
            headers: ["Authorization": "Bearer sk-openai", "Content-Type": "application/json"],
            body: #"""
                {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}],
                 "temperature":0.2,"max_tokens":100,"stop":["END"],"seed":7,"user":"u-1"}
                """#),
        RequestCase(
            endpoint: ProviderEndpoint(
                format: .azure, baseURL: "https://contoso.openai.azure.com/", key: ProviderKey("az-key"), deployment: "gpt4o-prod"),
            model: "gpt-4o", url: "https://contoso.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21",
            headers: ["api-key": "az-key", "Content-Type": "application/json"], absentHeaders: ["Authorization"],
            body: #"""
                {"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}],
                 "temperature":0.2,"max_tokens":100,"stop":["END"],"seed":7,"user":"u-1"}
                """#),
        RequestCase(
            endpoint: ProviderEndpoint(format: .anthropic, key: ProviderKey("sk-ant")), model: "claude-3-5-sonnet-20241022",
            url: "https://api.anthropic.com/v1/messages",
            headers: ["x-api-key": "sk-ant", "anthropic-version": "2023-06-01", "Content-Type": "application/json"],
            absentHeaders: ["Authorization"],
            body: #"""
                {"model":"claude-3-5-sonnet-20241022","max_tokens":100,"system":"You are terse.",
                 "messages":[{"role":"user","content":"Hi"}],"temperature":0.2,"stop_sequences":["END"],"metadata":{"user_id":"u-1"}}
                """#),
        RequestCase(
            endpoint: ProviderEndpoint(format: .gemini, key: ProviderKey("AIza-test")), model: "gemini-1.5-flash",
            url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent",
            headers: ["x-goog-api-key": "AIza-test", "Content-Type": "application/json"], absentHeaders: ["Authorization"],
            body: #"""
                {"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"systemInstruction":{"parts":[{"text":"You are terse."}]},
                 "generationConfig":{"temperature":0.2,"maxOutputTokens":100,"stopSequences":["END"],"seed":7}}
                """#),
        RequestCase(
            endpoint: ProviderEndpoint(format: .mistral, key: ProviderKey("mk")), model: "mistral-large-latest",
            url: "https://api.mistral.ai/v1/chat/completions", headers: ["Authorization": "Bearer mk"],
            body: #"""
                {"model":"mistral-large-latest","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}],
                 "temperature":0.2,"max_tokens":100,"stop":["END"],"random_seed":7}
                """#),
        RequestCase(
            endpoint: ProviderEndpoint(format: .deepseek, key: ProviderKey("dk")), model: "deepseek-chat",
            url: "https://api.deepseek.com/v1/chat/completions", headers: ["Authorization": "Bearer dk"],
            body: #"""
                {"model":"deepseek-chat","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}],
                 "temperature":0.2,"max_tokens":100,"stop":["END"],"seed":7,"user":"u-1"}
                """#),
        RequestCase(
            endpoint: ProviderEndpoint(format: .openaiCompatible, baseURL: "http://127.0.0.1:8000/v1"), model: "llama3.1",
            url: "http://127.0.0.1:8000/v1/chat/completions", headers: ["Content-Type": "application/json"],
            absentHeaders: ["Authorization"],
            body: #"""
                {"model":"llama3.1","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"}],
                 "temperature":0.2,"max_tokens":100,"stop":["END"],"seed":7,"user":"u-1"}
                """#),
    ]

    @Test(arguments: cases)
    func buildsURLHeadersAndBody(_ c: RequestCase) throws {
        let request = try c.endpoint.format.adapter.makeRequest(Self.sample, model: c.model, endpoint: c.endpoint)
        #expect(request.method == "POST")
        #expect(request.url == c.url)
        for (name, value) in c.headers { #expect(request.header(name) == value, "header \(name)") }
        for name in c.absentHeaders { #expect(request.header(name) == nil, "header \(name) should be absent") }
        #expect(try JSONValue.parse(request.body) == JSONValue.parse(c.body))
    }

    @Test(arguments: WireFormat.allCases)
    func redactedHeadersHideTheKey(_ format: WireFormat) throws {
        let endpoint = ProviderEndpoint(format: format, baseURL: "https://example.test", key: ProviderKey("secret-123"))
        let request = try format.adapter.makeRequest(Self.sample, model: "m", endpoint: endpoint)
        #expect(request.headers.contains { $0.value.contains("secret-123") })
        #expect(!request.redactedHeaders.contains { $0.value.contains("secret-123") })
        #expect(!"\(request)".contains("secret-123"))
        #expect(!String(reflecting: request).contains("secret-123"))
        var dumped = ""
        dump(request, to: &dumped)
        #expect(!dumped.contains("secret-123"))
    }

    @Test func anthropicDefaultsMaxTokensAndPrefersMaxCompletionTokens() throws {
        var request = ChatRequest(model: "m", messages: [.user("Hi")])
        let endpoint = ProviderEndpoint(format: .anthropic, key: ProviderKey("k"), defaultMaxTokens: 1024)
        var body = try JSONValue.parse(AnthropicAdapter().makeRequest(request, model: "claude", endpoint: endpoint).body)
        #expect(body["max_tokens"] == 1024)
        request.maxTokens = 50
        request.maxCompletionTokens = 60
        body = try JSONValue.parse(AnthropicAdapter().makeRequest(request, model: "claude", endpoint: endpoint).body)
        #expect(body["max_tokens"] == 60)
    }

    static let toolConversation = ChatRequest(
        model: "m",
        messages: [
            .system("Use tools."),
            .user("Weather in Paris?"),
            ChatMessage(
                role: .assistant, content: nil,
                toolCalls: [.init(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)]),
            ChatMessage(role: .tool, content: .text(#"{"temp_c":21}"#), toolCallId: "call_1"),
        ],
        tools: [
            .init(
                name: "get_weather", description: "Current weather",
                parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])
        ],
        toolChoice: "required")

    @Test func anthropicMapsToolsToToolUseAndToolResultBlocks() throws {
        let request = try AnthropicAdapter().makeRequest(
            Self.toolConversation, model: "claude", endpoint: ProviderEndpoint(format: .anthropic, key: ProviderKey("k")))
        let expected = try JSONValue.parse(#"""
            {"model":"claude","max_tokens":4096,"system":"Use tools.",
             "messages":[
               {"role":"user","content":"Weather in Paris?"},
               {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"{\"temp_c\":21}"}]}],
             "tools":[{"name":"get_weather","description":"Current weather",
                       "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
             "tool_choice":{"type":"any"}}
            """#)
        #expect(try JSONValue.parse(request.body) == expected)
    }

    @Test func geminiMapsToolsToFunctionCallAndFunctionResponseParts() throws {
        let request = try GeminiAdapter().makeRequest(
            Self.toolConversation, model: "gemini-1.5-pro", endpoint: ProviderEndpoint(format: .gemini, key: ProviderKey("k")))
        let expected = try JSONValue.parse(#"""
            {"contents":[
               {"role":"user","parts":[{"text":"Weather in Paris?"}]},
               {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
               {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"temp_c":21}}}]}],
             "systemInstruction":{"parts":[{"text":"Use tools."}]},
             "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Current weather",
                       "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}],
             "toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}
            """#)
        #expect(try JSONValue.parse(request.body) == expected)
    }

    @Test func openAIPassesToolsAndUnknownMembersThrough() throws {
        var request = Self.toolConversation
        request.extra["parallel_tool_calls"] = false
        request.stream = true
        let built = try OpenAIAdapter().makeRequest(request, model: "gpt-4o", endpoint: ProviderEndpoint(format: .openai))
        let body = try JSONValue.parse(built.body)
        #expect(body["parallel_tool_calls"] == false)
        #expect(body["stream"] == nil)
        #expect(body["tool_choice"] == "required")
        #expect(body["messages"]?.arrayValue?[2]["tool_calls"]?.arrayValue?.first?["function"]?["arguments"] == #"{"city":"Paris"}"#)
        #expect(body["messages"]?.arrayValue?[2]["content"] == .null)
        // Mistral rejects unknown members.
        let mistral = try OpenAIAdapter(format: .mistral).makeRequest(request, model: "mistral-large", endpoint: ProviderEndpoint(format: .mistral))
        #expect(try JSONValue.parse(mistral.body)["parallel_tool_calls"] == nil)
    }

    @Test func imagePartsBecomeProviderImageBlocks() throws {
        let request = ChatRequest(
            model: "m",
            messages: [
                ChatMessage(
                    role: .user,
                    content: .parts([.text("What is this?"), .imageURL(url: "data:image/png;base64,iVBORw0KGgo=", detail: "low")]))
            ])
        let anthropic = try JSONValue.parse(
            AnthropicAdapter().makeRequest(request, model: "c", endpoint: ProviderEndpoint(format: .anthropic)).body)
        #expect(
            anthropic["messages"]?.arrayValue?.first?["content"]?.arrayValue?.last
                == ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]])
        let gemini = try JSONValue.parse(GeminiAdapter().makeRequest(request, model: "g", endpoint: ProviderEndpoint(format: .gemini)).body)
        #expect(
            gemini["contents"]?.arrayValue?.first?["parts"]?.arrayValue?.last
                == ["inlineData": ["mimeType": "image/png", "data": "iVBORw0KGgo="]])
    }

    @Test func geminiJSONResponseFormatSetsMimeTypeAndSchema() throws {
        var request = ChatRequest(model: "m", messages: [.user("List colors")])
        request.responseFormat = .init(
            type: "json_schema", jsonSchema: ["name": "colors", "schema": ["type": "array", "items": ["type": "string"]]])
        let body = try JSONValue.parse(GeminiAdapter().makeRequest(request, model: "g", endpoint: ProviderEndpoint(format: .gemini)).body)
        #expect(body["generationConfig"]?["responseMimeType"] == "application/json")
        #expect(body["generationConfig"]?["responseSchema"] == ["type": "array", "items": ["type": "string"]])
    }

    @Test func anthropicRejectsSeveralChoices() {
        var request = Self.sample
        request.n = 2
        #expect(throws: ProviderError.self) {
            try AnthropicAdapter().makeRequest(request, model: "c", endpoint: ProviderEndpoint(format: .anthropic))
        }
    }
}
