/// One message of a chat, in the OpenAI chat-completions shape.
public struct ChatMessage: Sendable, Equatable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
        case system, user, assistant, tool, developer
    }

    /// Message content: a string, or an array of parts (text and images).
    public enum Content: Sendable, Equatable, Hashable {
        case text(String)
        case parts([ContentPart])

        /// All text of the content joined, images left out.
        public var text: String {
            switch self {
            case .text(let s): return s
            case .parts(let parts):
                var out = ""
                for case .text(let t) in parts { out += t }
                return out
            }
        }
    }

    public enum ContentPart: Sendable, Equatable, Hashable {
        case text(String)
        /// `url` is an https URL or a `data:image/png;base64,...` URL; `detail` is `auto`, `low` or `high`.
        case imageURL(url: String, detail: String?)
        /// A part type this gateway does not translate (e.g. `input_audio`); passed through to OpenAI shapes.
        case other(JSONValue)
    }

    /// A function call the assistant asked for. `arguments` is JSON text, as in the OpenAI API.
    public struct ToolCall: Sendable, Equatable, Hashable {
        public var id: String
        public var type: String
        public var name: String
        public var arguments: String

        public init(id: String, type: String = "function", name: String, arguments: String) {
            self.id = id
            self.type = type
            self.name = name
            self.arguments = arguments
        }
    }

    public var role: Role
    /// nil encodes as JSON null (an assistant message that only calls tools).
    public var content: Content?
    public var name: String?
    public var toolCalls: [ToolCall]?
    /// For `role: tool`: the id of the call this message answers.
    public var toolCallId: String?
    /// An assistant's refusal text, when the model refused.
    public var refusal: String?

    public init(
        role: Role, content: Content?, name: String? = nil, toolCalls: [ToolCall]? = nil,
        toolCallId: String? = nil, refusal: String? = nil
    ) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
        self.refusal = refusal
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: .text(text)) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: .text(text)) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, content: .text(text)) }
}

// MARK: - JSON mapping

extension ChatMessage {
    /// Reads a message; type mistakes are reported with `path` (e.g. `messages[2]`) as prefix.
    public init(json: JSONValue, path: String = "") throws(ValidationError) {
        let r = try JSONFieldReader(json, path: path)
        let roleText = try r.requiredString("role")
        guard let role = Role(rawValue: roleText) else {
            throw ValidationError(
                field: r.fieldPath("role"),
                message: "expected one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), got '\(roleText)'")
        }
        self.role = role
        self.name = try r.string("name")
        self.toolCallId = try r.string("tool_call_id")
        self.refusal = try r.string("refusal")
        switch r.value("content") {
        case nil:
            content = nil
        case .string(let s):
            content = .text(s)
        case .array(let items):
            var parts: [ContentPart] = []
            parts.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                parts.append(try ContentPart(json: item, path: "\(r.fieldPath("content"))[\(i)]"))
            }
            content = .parts(parts)
        case let other?:
            throw r.typeError("content", "a string, an array of parts or null", other)
        }
        if let calls = try r.array("tool_calls") {
            var toolCalls: [ToolCall] = []
            for (i, call) in calls.enumerated() {
                let cr = try JSONFieldReader(call, path: "\(r.fieldPath("tool_calls"))[\(i)]")
                let fn = try JSONFieldReader(cr.value("function") ?? .object([:]), path: cr.fieldPath("function"))
                toolCalls.append(
                    ToolCall(
                        id: try cr.requiredString("id"), type: try cr.string("type") ?? "function",
                        name: try fn.requiredString("name"), arguments: try fn.string("arguments") ?? "{}"))
            }
            self.toolCalls = toolCalls
        } else {
            self.toolCalls = nil
        }
    }

    /// The OpenAI-shaped JSON of this message.
    public var json: JSONValue {
        var b = JSONObjectBuilder(capacity: 4)
        b.set("role", role.rawValue)
        switch content {
        case nil: b.set("content", JSONValue.null)
        case .text(let s): b.set("content", s)
        case .parts(let parts): b.set("content", JSONValue.array(parts.map(\.json)))
        }
        b.set("name", name)
        b.set("tool_call_id", toolCallId)
        b.set("refusal", refusal)
        if let toolCalls {
            b.set("tool_calls", JSONValue.array(toolCalls.map(\.json)))
        }
        return b.value
    }
}

extension ChatMessage.ContentPart {
    init(json: JSONValue, path: String) throws(ValidationError) {
        let r = try JSONFieldReader(json, path: path)
        let type = try r.requiredString("type")
        switch type {
        case "text":
            self = .text(try r.requiredString("text"))
        case "image_url":
            guard let image = r.value("image_url") else {
                throw ValidationError(field: r.fieldPath("image_url"), message: "is required")
            }
            // Some clients send the URL as a bare string.
            if case .string(let url) = image {
                self = .imageURL(url: url, detail: nil)
            } else {
                let ir = try JSONFieldReader(image, path: r.fieldPath("image_url"))
                self = .imageURL(url: try ir.requiredString("url"), detail: try ir.string("detail"))
            }
        default:
            self = .other(json)
        }
    }

    public var json: JSONValue {
        switch self {
        case .text(let t):
            return .object(["type": "text", "text": .string(t)])
        case .imageURL(let url, let detail):
            var image: [String: JSONValue] = ["url": .string(url)]
            if let detail { image["detail"] = .string(detail) }
            return .object(["type": "image_url", "image_url": .object(image)])
        case .other(let value):
            return value
        }
    }
}

extension ChatMessage.ToolCall {
    public var json: JSONValue {
        .object([
            "id": .string(id), "type": .string(type),
            "function": .object(["name": .string(name), "arguments": .string(arguments)]),
        ])
    }
}

extension ChatMessage: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
