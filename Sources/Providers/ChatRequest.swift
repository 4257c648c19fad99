/// The canonical chat request: the OpenAI chat-completions request body.
///
/// Every adapter translates from this shape. Members this type does not model are kept in `extra`
/// and passed through to OpenAI-shaped providers, so new OpenAI parameters work without a release.
public struct ChatRequest: JSONReadable, Sendable, Equatable, Hashable {
    /// `stop`: one string or up to four.
    public enum Stop: Sendable, Equatable, Hashable {
        case single(String)
        case multiple([String])

        public var sequences: [String] {
            switch self {
            case .single(let s): return [s]
            case .multiple(let a): return a
            }
        }
    }

    /// A tool the model may call. Only `function` tools exist in the chat-completions API.
    public struct Tool: Sendable, Equatable, Hashable {
        public var type: String
        public var name: String
        public var description: String?
        /// JSON Schema of the arguments.
        public var parameters: JSONValue?
        public var strict: Bool?

        public init(
            type: String = "function", name: String, description: String? = nil, parameters: JSONValue? = nil,
            strict: Bool? = nil
        ) {
            self.type = type
            self.name = name
            self.description = description
            self.parameters = parameters
            self.strict = strict
        }
    }

    /// `response_format`: `text`, `json_object`, or `json_schema` with a schema.
    public struct ResponseFormat: Sendable, Equatable, Hashable {
        public var type: String
        /// For `json_schema`: the `json_schema` object (`name`, `schema`, `strict`).
        public var jsonSchema: JSONValue?

        public init(type: String, jsonSchema: JSONValue? = nil) {
            self.type = type
            self.jsonSchema = jsonSchema
        }

        /// The JSON Schema itself, for `json_schema` formats.
        public var schema: JSONValue? { jsonSchema?["schema"] }
    }

    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var stop: Stop?
    public var seed: Int?
    public var user: String?
    public var n: Int?
    public var tools: [Tool]?
    /// `"none"`, `"auto"`, `"required"` or `{"type": "function", "function": {"name": ...}}`.
    public var toolChoice: JSONValue?
    public var responseFormat: ResponseFormat?
    public var stream: Bool?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    public var logitBias: [String: Double]?
    /// Members not modelled above, kept verbatim.
    public var extra: [String: JSONValue]

    public init(
        model: String, messages: [ChatMessage], temperature: Double? = nil, topP: Double? = nil,
        maxTokens: Int? = nil, maxCompletionTokens: Int? = nil, stop: Stop? = nil, seed: Int? = nil,
        user: String? = nil, n: Int? = nil, tools: [Tool]? = nil, toolChoice: JSONValue? = nil,
        responseFormat: ResponseFormat? = nil, stream: Bool? = nil, presencePenalty: Double? = nil,
        frequencyPenalty: Double? = nil, logitBias: [String: Double]? = nil, extra: [String: JSONValue] = [:]
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.maxCompletionTokens = maxCompletionTokens
        self.stop = stop
        self.seed = seed
        self.user = user
        self.n = n
        self.tools = tools
        self.toolChoice = toolChoice
        self.responseFormat = responseFormat
        self.stream = stream
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.logitBias = logitBias
        self.extra = extra
    }

    /// The output-token limit the client asked for: `max_completion_tokens`, else `max_tokens`.
    public var outputTokenLimit: Int? { maxCompletionTokens ?? maxTokens }

    /// The member names this type models; everything else goes to `extra`.
    static let knownKeys: Set<String> = [
        "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed",
        "user", "n", "tools", "tool_choice", "response_format", "stream", "presence_penalty",
        "frequency_penalty", "logit_bias",
    ]
}

// MARK: - JSON mapping

extension ChatRequest {
    /// Reads a request body. Type mistakes throw a `ValidationError` naming the member
    /// (`messages[2].content: expected a string, an array of parts or null, got number`);
    /// range and consistency checks are in `validate()`.
    public init(json: JSONValue) throws(ValidationError) {
        let r = try JSONFieldReader(json, path: "")
        model = try r.requiredString("model")
        guard let rawMessages = try r.array("messages") else {
            throw ValidationError(field: "messages", message: "is required")
        }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(rawMessages.count)
        for (i, m) in rawMessages.enumerated() {
            messages.append(try ChatMessage(json: m, path: "messages[\(i)]"))
        }
        self.messages = messages
        temperature = try r.double("temperature")
        topP = try r.double("top_p")
        maxTokens = try r.int("max_tokens")
        maxCompletionTokens = try r.int("max_completion_tokens")
        switch r.value("stop") {
        case nil: stop = nil
        case .string(let s): stop = .single(s)
        case .array(let items):
            var sequences: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw ValidationError(field: "stop[\(i)]", message: "expected a string, got \(item.typeName)")
                }
                sequences.append(s)
            }
            stop = .multiple(sequences)
        case let other?: throw r.typeError("stop", "a string or an array of strings", other)
        }
        seed = try r.int("seed")
        user = try r.string("user")
        n = try r.int("n")
        if let rawTools = try r.array("tools") {
            var tools: [Tool] = []
            for (i, t) in rawTools.enumerated() {
                let tr = try JSONFieldReader(t, path: "tools[\(i)]")
                guard let fnValue = tr.value("function") else {
                    throw ValidationError(field: tr.fieldPath("function"), message: "is required")
                }
                let fn = try JSONFieldReader(fnValue, path: tr.fieldPath("function"))
                tools.append(
                    Tool(
                        type: try tr.string("type") ?? "function", name: try fn.requiredString("name"),
                        description: try fn.string("description"), parameters: fn.value("parameters"),
                        strict: try fn.bool("strict")))
            }
            self.tools = tools
        } else {
            tools = nil
        }
        toolChoice = r.value("tool_choice")
        if let rf = r.value("response_format") {
            let fr = try JSONFieldReader(rf, path: "response_format")
            responseFormat = ResponseFormat(type: try fr.requiredString("type"), jsonSchema: fr.value("json_schema"))
        } else {
            responseFormat = nil
        }
        stream = try r.bool("stream")
        presencePenalty = try r.double("presence_penalty")
        frequencyPenalty = try r.double("frequency_penalty")
        if let bias = try r.object("logit_bias") {
            var out: [String: Double] = [:]
            for (token, v) in bias {
                guard let d = v.doubleValue else {
                    throw ValidationError(field: "logit_bias.\(token)", message: "expected a number, got \(v.typeName)")
                }
                out[token] = d
            }
            logitBias = out
        } else {
            logitBias = nil
        }
        var extra: [String: JSONValue] = [:]
        for (key, value) in r.members where !Self.knownKeys.contains(key) { extra[key] = value }
        self.extra = extra
    }

    /// The OpenAI-shaped JSON of this request, `extra` members included.
    public var json: JSONValue {
        var b = JSONObjectBuilder(capacity: 8 + extra.count)
        for (key, value) in extra { b.set(key, value) }
        b.set("model", model)
        b.set("messages", JSONValue.array(messages.map(\.json)))
        b.set("temperature", temperature)
        b.set("top_p", topP)
        b.set("max_tokens", maxTokens)
        b.set("max_completion_tokens", maxCompletionTokens)
        switch stop {
        case nil: break
        case .single(let s): b.set("stop", s)
        case .multiple(let a): b.set("stop", JSONValue.array(a.map(JSONValue.string)))
        }
        b.set("seed", seed)
        b.set("user", user)
        b.set("n", n)
        if let tools { b.set("tools", JSONValue.array(tools.map(\.json))) }
        b.set("tool_choice", toolChoice)
        if let responseFormat {
            var f: [String: JSONValue] = ["type": .string(responseFormat.type)]
            if let schema = responseFormat.jsonSchema { f["json_schema"] = schema }
            b.set("response_format", JSONValue.object(f))
        }
        b.set("stream", stream)
        b.set("presence_penalty", presencePenalty)
        b.set("frequency_penalty", frequencyPenalty)
        if let logitBias { b.set("logit_bias", JSONValue.object(logitBias.mapValues(JSONValue.double))) }
        return b.value
    }
}

extension ChatRequest.Tool {
    public var json: JSONValue {
        var fn: [String: JSONValue] = ["name": .string(name)]
        if let description { fn["description"] = .string(description) }
        if let parameters { fn["parameters"] = parameters }
        if let strict { fn["strict"] = .bool(strict) }
        return .object(["type": .string(type), "function": .object(fn)])
    }
}

extension ChatRequest: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
