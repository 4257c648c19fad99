import Providers

/// Checks a call's credentials and reads its body the way each real API does, rejecting what it rejects.
public enum MockRequestParser {
    /// The key a call carries, or the failure the real API gives when it is missing or not accepted.
    /// - Parameter apiKeys: accepted keys; nil accepts any non-empty key.
    public static func authenticate(_ call: MockCall, apiKeys: Set<String>?) -> MockFailure? {
        let key: String?
        switch call.format {
        case .openAI:
            key = call.headers["authorization"].flatMap { value in
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
                return String(parts[1]).trimmingSpaces
            }
        case .azure: key = call.headers["api-key"]?.trimmingSpaces
        case .anthropic: key = call.headers["x-api-key"]?.trimmingSpaces
        case .gemini: key = (call.headers["x-goog-api-key"] ?? call.query["key"])?.trimmingSpaces
        }
        guard let key, !key.isEmpty else { return MockFailure(.missingKey) }
        if let apiKeys, !apiKeys.contains(key) { return MockFailure(.invalidKey, mask(key)) }
        if call.format == .anthropic, (call.headers["anthropic-version"] ?? "").isEmpty {
            return MockFailure(.badRequest, "anthropic-version: header is required")
        }
        if call.format == .azure, (call.query["api-version"] ?? "").isEmpty {
            return MockFailure(.missingAPIVersion)
        }
        return nil
    }

    /// A key shown in an error message: never the whole key.
    static func mask(_ key: String) -> String {
        guard key.count > 8 else { return String(repeating: "*", count: key.count) }
        return String(key.prefix(3)) + String(repeating: "*", count: key.count - 7) + String(key.suffix(4))
    }

    /// The model a call names, read leniently (for stats even when the call is rejected).
    public static func modelName(_ call: MockCall) -> String? {
        if let pathModel = call.pathModel { return pathModel }
        guard let json = try? JSONValue.parse(call.body) else { return nil }
        return json["model"]?.stringValue
    }

    /// Reads the body of an authenticated call.
    public static func parse(_ call: MockCall) -> Result<MockChatRequest, MockFailure> {
        let json: JSONValue
        do {
            json = try JSONValue.parse(call.body)
        } catch {
            return .failure(MockFailure(.badRequest, notJSONMessage(call.format)))
        }
        guard json.objectValue != nil else {
            return .failure(MockFailure(.badRequest, notJSONMessage(call.format)))
        }
        do {
            switch call.format {
            case .openAI, .azure: return .success(try parseOpenAI(json, deployment: call.pathModel))
            case .anthropic: return .success(try parseAnthropic(json))
            case .gemini: return .success(try parseGemini(json, model: call.pathModel ?? ""))
            }
        } catch {
            return .failure(error)
        }
    }

    private static func notJSONMessage(_ format: MockWireFormat) -> String {
        switch format {
        case .openAI, .azure:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
        case .anthropic: "There was an issue with your request body: invalid JSON"
        case .gemini: "Invalid JSON payload received."
        }
    }

    // MARK: OpenAI, Azure, Mistral, DeepSeek

    static let openAIRoles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    static func parseOpenAI(_ json: JSONValue, deployment: String?) throws(MockFailure) -> MockChatRequest {
        let model: String
        if let deployment {
            model = deployment
        } else {
            guard let name = json["model"]?.stringValue, !name.isEmpty else {
                throw MockFailure(.badRequest, "you must provide a model parameter")
            }
            model = name
        }
        guard let items = json["messages"]?.arrayValue else {
            throw MockFailure(.badRequest, "Missing required parameter: 'messages'.", param: "messages")
        }
        guard !items.isEmpty else {
            throw MockFailure(.badRequest, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", param: "messages")
        }
        var messages: [MockChatRequest.Message] = []
        for (index, item) in items.enumerated() {
            guard let role = item["role"]?.stringValue else {
                throw MockFailure(.badRequest, "Missing required parameter: 'messages[\(index)].role'.", param: "messages[\(index)].role")
            }
            guard openAIRoles.contains(role) else {
                throw MockFailure(.badRequest, "Invalid value: '\(role)'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", param: "messages[\(index)].role")
            }
            var text = try openAIContent(item["content"], param: "messages[\(index)].content")
            for call in item["tool_calls"]?.arrayValue ?? [] {
                text += " " + (call["function"]?["name"]?.stringValue ?? "") + (call["function"]?["arguments"]?.stringValue ?? "")
            }
            messages.append(.init(role: role, text: text))
        }
        if json["stream"]?.boolValue == true {
            throw MockFailure(.badRequest, "The mock provider does not stream; send stream=false.", param: "stream")
        }
        var maxTokens: Int?
        for key in ["max_completion_tokens", "max_tokens"] {
            guard let value = json[key], !value.isNull else { continue }
            guard let count = value.intValue, count >= 1 else {
                throw MockFailure(.badRequest, "Invalid '\(key)': integer below minimum value. Expected a value >= 1.", param: key)
            }
            maxTokens = count
        }
        let formatType = json["response_format"]?["type"]?.stringValue
        return MockChatRequest(
            model: model, messages: messages, maxTokens: maxTokens,
            jsonMode: formatType == "json_object" || formatType == "json_schema")
    }

    private static func openAIContent(_ value: JSONValue?, param: String) throws(MockFailure) -> String {
        guard let value, !value.isNull else { return "" }
        if let text = value.stringValue { return text }
        guard let parts = value.arrayValue else {
            throw MockFailure(.badRequest, "Invalid type for '\(param)': expected one of a string or array of objects, but got \(value.kindDescription) instead.", param: param)
        }
        return parts.map { part in
            switch part["type"]?.stringValue {
            case "text": part["text"]?.stringValue ?? ""
            case "image_url": "[image]"
            case "input_audio": "[audio]"
            default: ""
            }
        }.joined(separator: " ")
    }

    // MARK: Anthropic

    static func parseAnthropic(_ json: JSONValue) throws(MockFailure) -> MockChatRequest {
        guard let model = json["model"]?.stringValue, !model.isEmpty else {
            throw MockFailure(.badRequest, "model: Field required", param: "model")
        }
        guard let maxTokensValue = json["max_tokens"] else {
            throw MockFailure(.badRequest, "max_tokens: Field required", param: "max_tokens")
        }
        guard let maxTokens = maxTokensValue.intValue, maxTokens >= 1 else {
            throw MockFailure(.badRequest, "max_tokens: Input should be a valid integer greater than or equal to 1", param: "max_tokens")
        }
        guard let items = json["messages"]?.arrayValue else {
            throw MockFailure(.badRequest, "messages: Field required", param: "messages")
        }
        guard !items.isEmpty else {
            throw MockFailure(.badRequest, "messages: at least one message is required", param: "messages")
        }
        var messages: [MockChatRequest.Message] = []
        if let system = json["system"] {
            messages.append(.init(role: "system", text: anthropicContent(system)))
        }
        for (index, item) in items.enumerated() {
            guard let role = item["role"]?.stringValue, role == "user" || role == "assistant" else {
                throw MockFailure(.badRequest, "messages.\(index).role: Input should be 'user' or 'assistant'", param: "messages.\(index).role")
            }
            guard let content = item["content"] else {
                throw MockFailure(.badRequest, "messages.\(index).content: Field required", param: "messages.\(index).content")
            }
            messages.append(.init(role: role, text: anthropicContent(content)))
        }
        if json["stream"]?.boolValue == true {
            throw MockFailure(.badRequest, "stream: the mock provider does not stream", param: "stream")
        }
        return MockChatRequest(model: model, messages: messages, maxTokens: maxTokens)
    }

    private static func anthropicContent(_ value: JSONValue) -> String {
        if let text = value.stringValue { return text }
        return (value.arrayValue ?? []).map { block in
            switch block["type"]?.stringValue {
            case "text": block["text"]?.stringValue ?? ""
            case "image", "document": "[image]"
            case "tool_use": (block["name"]?.stringValue ?? "") + (block["input"]?.description ?? "")
            case "tool_result": block["content"].map(anthropicContent) ?? ""
            default: ""
            }
        }.joined(separator: " ")
    }

    // MARK: Gemini

    static func parseGemini(_ json: JSONValue, model: String) throws(MockFailure) -> MockChatRequest {
        guard let contents = json["contents"]?.arrayValue, !contents.isEmpty else {
            throw MockFailure(.badRequest, "* GenerateContentRequest.contents: contents is not specified\n", param: "contents")
        }
        var messages: [MockChatRequest.Message] = []
        if let system = json["systemInstruction"] ?? json["system_instruction"] {
            messages.append(.init(role: "system", text: geminiParts(system)))
        }
        for (index, content) in contents.enumerated() {
            let role = content["role"]?.stringValue ?? "user"
            guard role == "user" || role == "model" || role == "function" else {
                throw MockFailure(.badRequest, "Please use a valid role: user, model.", param: "contents[\(index)].role")
            }
            guard content["parts"]?.arrayValue?.isEmpty == false else {
                throw MockFailure(.badRequest, "* GenerateContentRequest.contents[\(index)].parts: contents.parts must not be empty.\n", param: "contents[\(index)].parts")
            }
            messages.append(.init(role: role == "model" ? "assistant" : role, text: geminiParts(content)))
        }
        let config = json["generationConfig"] ?? json["generation_config"]
        var maxTokens: Int?
        if let value = config?["maxOutputTokens"] ?? config?["max_output_tokens"] {
            guard let count = value.intValue, count >= 1 else {
                throw MockFailure(.badRequest, "* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n", param: "generationConfig.maxOutputTokens")
            }
            maxTokens = count
        }
        let mime = (config?["responseMimeType"] ?? config?["response_mime_type"])?.stringValue
        return MockChatRequest(model: model, messages: messages, maxTokens: maxTokens, jsonMode: mime == "application/json")
    }

    private static func geminiParts(_ content: JSONValue) -> String {
        (content["parts"]?.arrayValue ?? []).map { part in
            if let text = part["text"]?.stringValue { return text }
            if part["inlineData"] != nil || part["inline_data"] != nil || part["fileData"] != nil { return "[image]" }
            if let call = part["functionCall"] { return call.description }
            if let response = part["functionResponse"] { return response.description }
            return ""
        }.joined(separator: " ")
    }
}

extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return String(view)
    }
}
