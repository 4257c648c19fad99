import Providers

/// Hides literal provider keys in a config document before anyone sees it (`config show --json`,
/// the admin config route, logs). A literal `api_key` is allowed only for loopback servers such as
/// the mock provider, but it is still a key: every `api_key` member, at any depth, becomes
/// ``placeholder``. Environment variable names (`api_key_env`) and key labels stay visible.
public enum ConfigRedaction {
    /// What a literal key is replaced with.
    public static let placeholder = "***"

    /// Member names whose string values are secrets.
    static let secretMembers: Set<String> = ["api_key"]

    /// `document` with every literal key replaced by ``placeholder``.
    public static func redact(_ document: JSONValue) -> JSONValue {
        switch document {
        case .object(let members):
            var redacted: [String: JSONValue] = [:]
            for (name, value) in members {
                redacted[name] = secretMembers.contains(name) && value != .null ? .string(placeholder) : redact(value)
            }
            return .object(redacted)
        case .array(let items):
            return .array(items.map(redact))
        default:
            return document
        }
    }

    /// The redacted document as canonical JSON text (sorted keys). Text that is not JSON comes back
    /// as a placeholder object rather than unredacted.
    public static func redactedText(_ text: String) -> String {
        guard let document = try? JSONValue.parse(text) else { return #"{"error": "unreadable config document"}"# }
        return redact(document).canonicalText
    }
}

extension GatewayConfigStore.Version {
    /// ``document`` with literal keys replaced by ``ConfigRedaction/placeholder``: what to show.
    public var redactedDocument: String { ConfigRedaction.redactedText(document) }
}
