/// Anthropic Messages API (`POST {base}/v1/messages`).
///
/// Differences from the canonical shape: system and developer messages go to the top-level `system`;
/// `max_tokens` is required; tool calls are `tool_use` content blocks and tool results are
/// `tool_result` blocks inside a user turn; consecutive turns of one role are merged; `temperature`
/// is limited to 0...1; usage counts cached prompt tokens apart from `input_tokens`.
public struct AnthropicAdapter: ProviderAdapter {
    public var format: WireFormat { .anthropic }

    public init() {}

    public func makeRequest(_ request: ChatRequest, model: String, endpoint: ProviderEndpoint) throws(ProviderError) -> UpstreamRequest {
        if let n = request.n, n > 1 {
            throw ProviderError(kind: .badRequest, message: "n: Anthropic returns one choice per request", param: "n")
        }
        var body: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .int(request.outputTokenLimit ?? endpoint.defaultMaxTokens),
        ]
        var system: [String] = []
        var turns: [(role: String, blocks: [JSONValue])] = []
        func append(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        for (i, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer:
                if let text = message.content?.text, !text.isEmpty { system.append(text) }
            case .user:
                append("user", try Self.blocks(message.content, field: "messages[\(i)].content"))
            case .assistant:
                var blocks = try Self.blocks(message.content, field: "messages[\(i)].content")
                for (j, call) in (message.toolCalls ?? []).enumerated() {
                    blocks.append(.object([
                        "type": "tool_use", "id": .string(call.id), "name": .string(call.name),
                        "input": try AdapterSupport.argumentsObject(call.arguments, field: "messages[\(i)].tool_calls[\(j)].function.arguments"),
                    ]))
                }
                append("assistant", blocks)
            case .tool:
                append("user", [.object([
                    "type": "tool_result", "tool_use_id": .string(message.toolCallId ?? ""),
                    "content": .string(message.content?.text ?? ""),
                ])])
            }
        }
        body["messages"] = .array(turns.map { turn in
            // A lone text block is sent as a plain string, the form most examples use.
            if turn.blocks.count == 1, turn.blocks[0]["type"]?.stringValue == "text", let text = turn.blocks[0]["text"] {
                return .object(["role": .string(turn.role), "content": text])
            }
            return .object(["role": .string(turn.role), "content": .array(turn.blocks)])
        })
        if !system.isEmpty { body["system"] = .string(system.joined(separator: "\n\n")) }
        if let t = request.temperature { body["temperature"] = .double(min(t, 1)) }
        if let p = request.topP { body["top_p"] = .double(p) }
        if let stop = request.stop { body["stop_sequences"] = .array(stop.sequences.map(JSONValue.string)) }
        if let user = request.user { body["metadata"] = .object(["user_id": .string(user)]) }
        if let tools = request.tools, !tools.isEmpty {
            body["tools"] = .array(tools.map { tool in
                var t: [String: JSONValue] = [
                    "name": .string(tool.name),
                    "input_schema": tool.parameters ?? .object(["type": "object", "properties": .object([:])]),
                ]
                if let d = tool.description { t["description"] = .string(d) }
                return .object(t)
            })
        }
        switch request.toolChoice {
        case .string("auto")?: body["tool_choice"] = .object(["type": "auto"])
        case .string("required")?: body["tool_choice"] = .object(["type": "any"])
        case .string("none")?: body["tool_choice"] = .object(["type": "none"])
        case let choice?:
            if let name = choice["function"]?["name"]?.stringValue {
                body["tool_choice"] = .object(["type": "tool", "name": .string(name)])
            }
        case nil: break
        }
        let auth = endpoint.key.map { ("x-api-key", $0.reveal()) }
        var headers = AdapterSupport.jsonHeaders(endpoint, auth: auth)
        headers.append(("anthropic-version", endpoint.apiVersion ?? ProviderEndpoint.defaultAnthropicVersion))
        let base = endpoint.baseURL.hasSuffix("/v1") ? endpoint.baseURL : endpoint.baseURL + "/v1"
        return UpstreamRequest(method: "POST", url: base + "/messages", headers: headers, body: JSONValue.object(body).serialized())
    }

    /// Content as Anthropic blocks: text, and images as `base64` or `url` sources.
    static func blocks(_ content: ChatMessage.Content?, field: String) throws(ProviderError) -> [JSONValue] {
        switch content {
        case nil: return []
        case .text(let s): return s.isEmpty ? [] : [.object(["type": "text", "text": .string(s)])]
        case .parts(let parts):
            var blocks: [JSONValue] = []
            for (i, part) in parts.enumerated() {
                switch part {
                case .text(let t): blocks.append(.object(["type": "text", "text": .string(t)]))
                case .imageURL(let url, _):
                    let source: JSONValue
                    if let data = AdapterSupport.dataURL(url) {
                        source = .object(["type": "base64", "media_type": .string(data.mediaType), "data": .string(data.data)])
                    } else {
                        source = .object(["type": "url", "url": .string(url)])
                    }
                    blocks.append(.object(["type": "image", "source": source]))
                case .other:
                    throw ProviderError(kind: .badRequest, message: "\(field)[\(i)]: unsupported content part for Anthropic", param: "\(field)[\(i)]")
                }
            }
            return blocks
        }
    }

    public func parseResponse(status: Int, headers: UpstreamHeaders, body: [UInt8], model: String) throws(ProviderError) -> ChatCompletion {
        let json = try AdapterSupport.successBody(status: status, headers: headers, body: body)
        guard let blocks = json["content"]?.arrayValue else { throw AdapterSupport.malformed(status, "no content array") }
        var text = ""
        var hasText = false
        var calls: [ChatMessage.ToolCall] = []
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text":
                text += block["text"]?.stringValue ?? ""
                hasText = true
            case "tool_use":
                calls.append(ChatMessage.ToolCall(
                    id: block["id"]?.stringValue ?? "toolu_\(calls.count)", name: block["name"]?.stringValue ?? "",
                    arguments: (block["input"] ?? .object([:])).description))
            default:
                break  // thinking blocks and others are not part of the chat-completions answer
            }
        }
        let message = ChatMessage(
            role: .assistant, content: hasText || calls.isEmpty ? .text(text) : nil, toolCalls: calls.isEmpty ? nil : calls)
        var usage: ChatCompletion.Usage?
        if let u = json["usage"] {
            let input = u["input_tokens"]?.intValue ?? 0
            let cacheRead = u["cache_read_input_tokens"]?.intValue ?? 0
            let cacheWrite = u["cache_creation_input_tokens"]?.intValue ?? 0
            // OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens exclude them.
            usage = ChatCompletion.Usage(
                promptTokens: input + cacheRead + cacheWrite, completionTokens: u["output_tokens"]?.intValue ?? 0,
                cachedTokens: u["cache_read_input_tokens"] == nil ? nil : cacheRead)
        }
        return ChatCompletion(
            id: json["id"]?.stringValue ?? "", created: AdapterSupport.now(),
            model: json["model"]?.stringValue ?? model,
            choices: [.init(index: 0, message: message, finishReason: Self.finishReason(json["stop_reason"]?.stringValue))],
            usage: usage)
    }

    /// end_turn/stop_sequence/pause_turn → stop, max_tokens → length, tool_use → tool_calls, refusal → content_filter.
    static func finishReason(_ stopReason: String?) -> String? {
        switch stopReason {
        case nil: return nil
        case "end_turn", "stop_sequence", "pause_turn": return "stop"
        case "max_tokens": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        case let other?: return other
        }
    }
}
