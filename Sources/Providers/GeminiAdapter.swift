/// Google Gemini `generateContent` (`POST {base}/v1beta/models/{model}:generateContent`, `x-goog-api-key`).
///
/// Differences from the canonical shape: roles are `user` and `model`; system messages become
/// `systemInstruction`; sampling options live in `generationConfig`; tool calls are `functionCall`
/// parts and tool results `functionResponse` parts (named by function, so the name is looked up from
/// the assistant call the result answers); a prompt blocked by safety filters has no candidates.
public struct GeminiAdapter: ProviderAdapter {
    public var format: WireFormat { .gemini }

    public init() {}

    public func makeRequest(_ request: ChatRequest, model: String, endpoint: ProviderEndpoint) throws(ProviderError) -> UpstreamRequest {
        var body: [String: JSONValue] = [:]
        var system: [String] = []
        var contents: [(role: String, parts: [JSONValue])] = []
        var callNames: [String: String] = [:]
        func append(_ role: String, _ parts: [JSONValue]) {
            guard !parts.isEmpty else { return }
            if let last = contents.last, last.role == role {
                contents[contents.count - 1].parts += parts
            } else {
                contents.append((role, parts))
            }
        }
        for (i, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer:
                if let text = message.content?.text, !text.isEmpty { system.append(text) }
            case .user:
                append("user", try Self.parts(message.content, field: "messages[\(i)].content"))
            case .assistant:
                var parts = try Self.parts(message.content, field: "messages[\(i)].content")
                for (j, call) in (message.toolCalls ?? []).enumerated() {
                    callNames[call.id] = call.name
                    let args = try AdapterSupport.argumentsObject(call.arguments, field: "messages[\(i)].tool_calls[\(j)].function.arguments")
                    parts.append(.object(["functionCall": .object(["name": .string(call.name), "args": args])]))
                }
                append("model", parts)
            case .tool:
                let text = message.content?.text ?? ""
                // `response` must be an object: a JSON object result is passed as is, anything else wrapped.
                let parsed = try? JSONValue.parse(text)
                let response: JSONValue = parsed?.objectValue != nil ? parsed! : .object(["content": parsed ?? .string(text)])
                let name = callNames[message.toolCallId ?? ""] ?? message.name ?? ""
                append("user", [.object(["functionResponse": .object(["name": .string(name), "response": response])])])
            }
        }
        body["contents"] = .array(contents.map { .object(["role": .string($0.role), "parts": .array($0.parts)]) })
        if !system.isEmpty {
            body["systemInstruction"] = .object(["parts": .array([.object(["text": .string(system.joined(separator: "\n\n"))])])])
        }
        var config = JSONObjectBuilder()
        config.set("temperature", request.temperature)
        config.set("topP", request.topP)
        config.set("maxOutputTokens", request.outputTokenLimit)
        if let stop = request.stop { config.set("stopSequences", JSONValue.array(stop.sequences.map(JSONValue.string))) }
        config.set("candidateCount", request.n)
        config.set("seed", request.seed)
        config.set("presencePenalty", request.presencePenalty)
        config.set("frequencyPenalty", request.frequencyPenalty)
        if let format = request.responseFormat, format.type != "text" {
            config.set("responseMimeType", "application/json")
            config.set("responseSchema", format.schema)
        }
        if !config.members.isEmpty { body["generationConfig"] = config.value }
        if let tools = request.tools, !tools.isEmpty {
            let declarations: [JSONValue] = tools.map { tool in
                var d: [String: JSONValue] = ["name": .string(tool.name)]
                if let desc = tool.description { d["description"] = .string(desc) }
                if let p = tool.parameters { d["parameters"] = p }
                return .object(d)
            }
            body["tools"] = .array([.object(["functionDeclarations": .array(declarations)])])
        }
        switch request.toolChoice {
        case .string("auto")?: body["toolConfig"] = .object(["functionCallingConfig": .object(["mode": "AUTO"])])
        case .string("required")?: body["toolConfig"] = .object(["functionCallingConfig": .object(["mode": "ANY"])])
        case .string("none")?: body["toolConfig"] = .object(["functionCallingConfig": .object(["mode": "NONE"])])
        case let choice?:
            if let name = choice["function"]?["name"]?.stringValue {
                body["toolConfig"] = .object([
                    "functionCallingConfig": .object(["mode": "ANY", "allowedFunctionNames": .array([.string(name)])])
                ])
            }
        case nil: break
        }
        let auth = endpoint.key.map { ("x-goog-api-key", $0.reveal()) }
        let base = endpoint.baseURL.hasSuffix("/v1beta") ? endpoint.baseURL : endpoint.baseURL + "/v1beta"
        return UpstreamRequest(
            method: "POST", url: "\(base)/models/\(AdapterSupport.pathSegment(model)):generateContent",
            headers: AdapterSupport.jsonHeaders(endpoint, auth: auth), body: JSONValue.object(body).serialized())
    }

    static func parts(_ content: ChatMessage.Content?, field: String) throws(ProviderError) -> [JSONValue] {
        switch content {
        case nil: return []
        case .text(let s): return s.isEmpty ? [] : [.object(["text": .string(s)])]
        case .parts(let parts):
            var out: [JSONValue] = []
            for (i, part) in parts.enumerated() {
                switch part {
                case .text(let t): out.append(.object(["text": .string(t)]))
                case .imageURL(let url, _):
                    if let data = AdapterSupport.dataURL(url) {
                        out.append(.object(["inlineData": .object(["mimeType": .string(data.mediaType), "data": .string(data.data)])]))
                    } else {
                        out.append(.object(["fileData": .object(["mimeType": .string(Self.imageMimeType(url)), "fileUri": .string(url)])]))
                    }
                case .other:
                    throw ProviderError(kind: .badRequest, message: "\(field)[\(i)]: unsupported content part for Gemini", param: "\(field)[\(i)]")
                }
            }
            return out
        }
    }

    private static func imageMimeType(_ url: String) -> String {
        let lower = url.lowercased()
        if lower.hasSuffix(".png") { return "image/png" }
        if lower.hasSuffix(".webp") { return "image/webp" }
        if lower.hasSuffix(".gif") { return "image/gif" }
        return "image/jpeg"
    }

    public func parseResponse(status: Int, headers: UpstreamHeaders, body: [UInt8], model: String) throws(ProviderError) -> ChatCompletion {
        let json = try AdapterSupport.successBody(status: status, headers: headers, body: body)
        let candidates = json["candidates"]?.arrayValue ?? []
        if candidates.isEmpty {
            if let reason = json["promptFeedback"]?["blockReason"]?.stringValue {
                let detail = json["promptFeedback"]?["blockReasonMessage"]?.stringValue
                throw ProviderError(
                    kind: .contentFiltered, status: status, message: detail ?? "prompt blocked by safety filters (\(reason))",
                    providerCode: reason)
            }
            throw AdapterSupport.malformed(status, "no candidates")
        }
        var choices: [ChatCompletion.Choice] = []
        for (i, candidate) in candidates.enumerated() {
            var text = ""
            var hasText = false
            var calls: [ChatMessage.ToolCall] = []
            for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
                if part["thought"]?.boolValue == true { continue }
                if let t = part["text"]?.stringValue {
                    text += t
                    hasText = true
                } else if let call = part["functionCall"] {
                    calls.append(ChatMessage.ToolCall(
                        id: call["id"]?.stringValue ?? "call_\(i)_\(calls.count)", name: call["name"]?.stringValue ?? "",
                        arguments: (call["args"] ?? .object([:])).description))
                }
            }
            let rawReason = candidate["finishReason"]?.stringValue
            var finish = Self.finishReason(rawReason)
            if finish == "content_filter" && !hasText && calls.isEmpty && candidates.count == 1 {
                throw ProviderError(
                    kind: .contentFiltered, status: status, message: "response blocked by safety filters (\(rawReason ?? ""))",
                    providerCode: rawReason)
            }
            if finish == "stop" && !calls.isEmpty { finish = "tool_calls" }
            let message = ChatMessage(
                role: .assistant, content: hasText || calls.isEmpty ? .text(text) : nil, toolCalls: calls.isEmpty ? nil : calls)
            choices.append(.init(index: candidate["index"]?.intValue ?? i, message: message, finishReason: finish))
        }
        var usage: ChatCompletion.Usage?
        if let u = json["usageMetadata"] {
            let prompt = u["promptTokenCount"]?.intValue ?? 0
            // Thinking tokens are billed as output.
            let completion = (u["candidatesTokenCount"]?.intValue ?? 0) + (u["thoughtsTokenCount"]?.intValue ?? 0)
            usage = ChatCompletion.Usage(
                promptTokens: prompt, completionTokens: completion,
                totalTokens: u["totalTokenCount"]?.intValue ?? prompt + completion,
                cachedTokens: u["cachedContentTokenCount"]?.intValue)
        }
        return ChatCompletion(
            id: json["responseId"]?.stringValue ?? "", created: AdapterSupport.now(),
            model: json["modelVersion"]?.stringValue ?? model, choices: choices, usage: usage)
    }

    /// STOP → stop, MAX_TOKENS → length, safety-type reasons → content_filter, others → stop.
    static func finishReason(_ reason: String?) -> String? {
        switch reason {
        case nil: return nil
        case "MAX_TOKENS": return "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": return "content_filter"
        default: return "stop"
        }
    }
}
