import Providers

/// The wire formats the mock speaks. Mistral and DeepSeek use the OpenAI format and path.
public enum MockWireFormat: String, Sendable, CaseIterable {
    case openAI = "openai"
    case azure
    case anthropic
    case gemini
}

/// One chat call as the transport hands it over, independent of the HTTP server (so tests can build
/// calls directly).
public struct MockCall: Sendable {
    public var format: MockWireFormat
    /// Header names lowercased; the last value wins.
    public var headers: [String: String]
    public var query: [String: String]
    public var body: [UInt8]
    /// The model named by the path: Azure's deployment, Gemini's `{model}` (without `:generateContent`).
    public var pathModel: String?

    public init(
        format: MockWireFormat, headers: [String: String] = [:], query: [String: String] = [:],
        body: [UInt8] = [], pathModel: String? = nil
    ) {
        self.format = format
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.query = query
        self.body = body
        self.pathModel = pathModel
    }

    public init(format: MockWireFormat, headers: [String: String] = [:], query: [String: String] = [:], json: JSONValue, pathModel: String? = nil) {
        self.init(format: format, headers: headers, query: query, body: json.serialized(), pathModel: pathModel)
    }
}

/// A chat request as the mock understands it, whatever wire format it came in.
public struct MockChatRequest: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var text: String
        public init(role: String, text: String) {
            self.role = role
            self.text = text
        }
    }

    public var model: String
    /// System prompts first (Anthropic's `system`, Gemini's `systemInstruction`), then the turns.
    public var messages: [Message]
    public var maxTokens: Int?
    /// The caller asked for a JSON object (`response_format`, Gemini's `responseMimeType`).
    public var jsonMode: Bool

    public init(model: String, messages: [Message], maxTokens: Int? = nil, jsonMode: Bool = false) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.jsonMode = jsonMode
    }
}
