extension ChatRequest {
    /// Checks ranges and consistency the way the OpenAI API does, before a job is accepted.
    ///
    /// - Throws: the first problem found, as a `ValidationError` whose `field` names the member
    ///   (`temperature`, `messages[2].tool_call_id`, `tools[0].function.name`).
    public func validate() throws(ValidationError) {
        if model.isEmpty { throw ValidationError(field: "model", message: "must not be empty") }
        if messages.isEmpty { throw ValidationError(field: "messages", message: "must contain at least one message") }
        var knownCallIds: Set<String> = []
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            switch message.role {
            case .system, .developer, .user:
                if message.content == nil {
                    throw ValidationError(field: "\(path).content", message: "is required for role '\(message.role.rawValue)'")
                }
            case .assistant:
                if message.content == nil && (message.toolCalls ?? []).isEmpty && message.refusal == nil {
                    throw ValidationError(field: "\(path).content", message: "is required unless tool_calls is set")
                }
                for call in message.toolCalls ?? [] { knownCallIds.insert(call.id) }
            case .tool:
                guard let id = message.toolCallId, !id.isEmpty else {
                    throw ValidationError(field: "\(path).tool_call_id", message: "is required for role 'tool'")
                }
                if message.content == nil {
                    throw ValidationError(field: "\(path).content", message: "is required for role 'tool'")
                }
                if !knownCallIds.contains(id) {
                    throw ValidationError(
                        field: "\(path).tool_call_id", message: "'\(id)' does not answer a tool call of an earlier assistant message")
                }
            }
            if message.role != .assistant, message.toolCalls != nil {
                throw ValidationError(field: "\(path).tool_calls", message: "is only allowed for role 'assistant'")
            }
            if case .parts(let parts) = message.content {
                if parts.isEmpty { throw ValidationError(field: "\(path).content", message: "must not be an empty array") }
                for (j, part) in parts.enumerated() {
                    switch part {
                    case .text: break
                    case .imageURL(let url, let detail):
                        if message.role != .user {
                            throw ValidationError(field: "\(path).content[\(j)]", message: "image parts are only allowed in user messages")
                        }
                        if url.isEmpty { throw ValidationError(field: "\(path).content[\(j)].image_url.url", message: "must not be empty") }
                        if let detail, !["auto", "low", "high"].contains(detail) {
                            throw ValidationError(
                                field: "\(path).content[\(j)].image_url.detail", message: "expected one of auto, low, high")
                        }
                    case .other(let value):
                        throw ValidationError(
                            field: "\(path).content[\(j)].type",
                            message: "unsupported content part type '\(value["type"]?.stringValue ?? "")'; expected text or image_url")
                    }
                }
            }
        }
        try check("temperature", temperature, 0...2)
        try check("top_p", topP, 0...1)
        try check("presence_penalty", presencePenalty, -2...2)
        try check("frequency_penalty", frequencyPenalty, -2...2)
        if let maxTokens, maxTokens < 1 { throw ValidationError(field: "max_tokens", message: "must be at least 1") }
        if let maxCompletionTokens, maxCompletionTokens < 1 {
            throw ValidationError(field: "max_completion_tokens", message: "must be at least 1")
        }
        if let n, !(1...128).contains(n) { throw ValidationError(field: "n", message: "must be between 1 and 128") }
        if let stop {
            let sequences = stop.sequences
            if sequences.count > 4 { throw ValidationError(field: "stop", message: "at most 4 sequences are allowed") }
            if let i = sequences.firstIndex(where: \.isEmpty) {
                throw ValidationError(field: stop == .single("") ? "stop" : "stop[\(i)]", message: "must not be empty")
            }
        }
        if let logitBias {
            for (token, bias) in logitBias.sorted(by: { $0.key < $1.key }) {
                if Int(token) == nil { throw ValidationError(field: "logit_bias", message: "keys must be token ids, got '\(token)'") }
                if !(-100...100).contains(bias) {
                    throw ValidationError(field: "logit_bias.\(token)", message: "must be between -100 and 100")
                }
            }
        }
        var toolNames: Set<String> = []
        for (i, tool) in (tools ?? []).enumerated() {
            if tool.type != "function" {
                throw ValidationError(field: "tools[\(i)].type", message: "expected 'function', got '\(tool.type)'")
            }
            if !Self.isValidFunctionName(tool.name) {
                throw ValidationError(
                    field: "tools[\(i)].function.name", message: "must be 1-64 characters of a-z, A-Z, 0-9, underscores and dashes")
            }
            if !toolNames.insert(tool.name).inserted {
                throw ValidationError(field: "tools[\(i)].function.name", message: "duplicate tool name '\(tool.name)'")
            }
            if let parameters = tool.parameters, parameters.objectValue == nil {
                throw ValidationError(field: "tools[\(i)].function.parameters", message: "expected a JSON Schema object")
            }
        }
        if let toolChoice { try validateToolChoice(toolChoice, toolNames: toolNames) }
        if let format = responseFormat {
            switch format.type {
            case "text", "json_object": break
            case "json_schema":
                guard let schema = format.jsonSchema, schema.objectValue != nil else {
                    throw ValidationError(field: "response_format.json_schema", message: "is required for type 'json_schema'")
                }
                if (schema["name"]?.stringValue ?? "").isEmpty {
                    throw ValidationError(field: "response_format.json_schema.name", message: "is required")
                }
            default:
                throw ValidationError(
                    field: "response_format.type", message: "expected one of text, json_object, json_schema, got '\(format.type)'")
            }
        }
    }

    private func check(_ field: String, _ value: Double?, _ range: ClosedRange<Double>) throws(ValidationError) {
        guard let value else { return }
        if !range.contains(value) {
            throw ValidationError(field: field, message: "must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound))")
        }
    }

    private static func format(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(d) }

    private func validateToolChoice(_ choice: JSONValue, toolNames: Set<String>) throws(ValidationError) {
        switch choice {
        case .string(let mode):
            guard ["none", "auto", "required"].contains(mode) else {
                throw ValidationError(field: "tool_choice", message: "expected one of none, auto, required or a function object")
            }
            if mode == "required" && toolNames.isEmpty {
                throw ValidationError(field: "tool_choice", message: "'required' needs at least one tool")
            }
        case .object:
            guard let name = choice["function"]?["name"]?.stringValue else {
                throw ValidationError(field: "tool_choice.function.name", message: "is required")
            }
            if !toolNames.contains(name) {
                throw ValidationError(field: "tool_choice.function.name", message: "'\(name)' is not one of the tools")
            }
        default:
            throw ValidationError(field: "tool_choice", message: "expected a string or an object, got \(choice.typeName)")
        }
    }

    static func isValidFunctionName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
    }
}
