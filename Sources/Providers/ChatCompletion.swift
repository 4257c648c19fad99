/// The canonical chat completion: the OpenAI chat-completions response body.
///
/// Every adapter produces this shape; `model` is the model that actually answered (which may differ
/// from the route the client asked for after routing or failover).
public struct ChatCompletion: JSONReadable, Sendable, Equatable, Hashable {
    public struct Choice: Sendable, Equatable, Hashable {
        public var index: Int
        public var message: ChatMessage
        /// `stop`, `length`, `tool_calls`, `content_filter` (or a provider's own value, passed through).
        public var finishReason: String?

        public init(index: Int, message: ChatMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }
    }

    public struct Usage: Sendable, Equatable, Hashable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int
        /// Prompt tokens served from the provider's prompt cache (included in `promptTokens`).
        public var cachedTokens: Int?

        public init(promptTokens: Int, completionTokens: Int, totalTokens: Int? = nil, cachedTokens: Int? = nil) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.totalTokens = totalTokens ?? promptTokens + completionTokens
            self.cachedTokens = cachedTokens
        }
    }

    public var id: String
    public var object: String
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var systemFingerprint: String?

    public init(
        id: String, object: String = "chat.completion", created: Int, model: String, choices: [Choice],
        usage: Usage?, systemFingerprint: String? = nil
    ) {
        self.id = id
        self.object = object
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    /// The first choice's text, or nil when it has none.
    public var text: String? { choices.first?.message.content?.text }
}

// MARK: - JSON mapping

extension ChatCompletion {
    public init(json: JSONValue) throws(ValidationError) {
        let r = try JSONFieldReader(json, path: "")
        id = try r.string("id") ?? ""
        object = try r.string("object") ?? "chat.completion"
        created = try r.int("created") ?? 0
        model = try r.string("model") ?? ""
        systemFingerprint = try r.string("system_fingerprint")
        var choices: [Choice] = []
        for (i, c) in (try r.array("choices") ?? []).enumerated() {
            let cr = try JSONFieldReader(c, path: "choices[\(i)]")
            let message = try ChatMessage(json: cr.value("message") ?? .object(["role": "assistant"]), path: cr.fieldPath("message"))
            choices.append(Choice(index: try cr.int("index") ?? i, message: message, finishReason: try cr.string("finish_reason")))
        }
        self.choices = choices
        if let u = r.value("usage") {
            let ur = try JSONFieldReader(u, path: "usage")
            let prompt = try ur.int("prompt_tokens") ?? 0
            let completion = try ur.int("completion_tokens") ?? 0
            // DeepSeek reports cache hits in its own member (and may send prompt_tokens_details as well).
            let cached = try ur.int("prompt_cache_hit_tokens") ?? ur.value("prompt_tokens_details")?["cached_tokens"]?.intValue
            usage = Usage(
                promptTokens: prompt, completionTokens: completion,
                totalTokens: try ur.int("total_tokens") ?? prompt + completion, cachedTokens: cached)
        } else {
            usage = nil
        }
    }

    public var json: JSONValue {
        var b = JSONObjectBuilder(capacity: 7)
        b.set("id", id)
        b.set("object", object)
        b.set("created", created)
        b.set("model", model)
        b.set(
            "choices",
            JSONValue.array(
                choices.map { c in
                    .object([
                        "index": .int(c.index), "message": c.message.json,
                        "finish_reason": c.finishReason.map(JSONValue.string) ?? .null,
                    ])
                }))
        if let usage {
            var u: [String: JSONValue] = [
                "prompt_tokens": .int(usage.promptTokens), "completion_tokens": .int(usage.completionTokens),
                "total_tokens": .int(usage.totalTokens),
            ]
            if let cached = usage.cachedTokens { u["prompt_tokens_details"] = .object(["cached_tokens": .int(cached)]) }
            b.set("usage", JSONValue.object(u))
        }
        b.set("system_fingerprint", systemFingerprint)
        return b.value
    }

    /// Compact JSON bytes (sorted keys), for storing as a job result without `JSONEncoder`.
    public func jsonBytes() -> [UInt8] { json.serialized() }
}

extension ChatCompletion: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
