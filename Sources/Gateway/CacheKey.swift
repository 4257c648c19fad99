import Providers
/// The response-cache key of a chat request: SHA-256 of its canonical JSON after route resolution.
///
/// Every field of the request is in the key except those that cannot change the answer
/// (``ignoredFields``: `user`, `metadata`, `stream`, ... and Switchyard's own job options), and
/// `model` is replaced by the model actually called — so a route alias and the model it resolved to
/// share entries, and a parameter the gateway does not know yet errs on the side of a miss.
/// Objects are written with sorted keys and numbers in one spelling (``JSONValue/canonicalText``),
/// so two requests that mean the same give the same key.
///
/// Lookup tries the key of every model the route could answer with (``keys(request:models:)``,
/// the chosen one first), so a repeated prompt on a 50/50 route hits whichever model answered it
/// before; an answer is stored under the key of the model that actually answered (after a
/// failover, another one), so an entry never claims a model it did not come from.
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String

    /// Bumped when the canonical form changes, so old entries stop matching instead of colliding.
    public static let formatVersion = 1

    /// Top-level request fields that do not affect the completion.
    public static let ignoredFields: Set<String> = [
        "model", "user", "metadata", "stream", "stream_options", "store", "service_tier",
        // Switchyard job options that travel with a request but are not sent upstream.
        "priority", "queue", "cache", "deadline", "custom_id", "idempotency_key",
    ]

    public init(hex: String) {
        self.hex = hex
    }

    /// - Parameters:
    ///   - request: the chat request (OpenAI chat-completions shape) as JSON.
    ///   - model: the model the deployment calls (e.g. `gpt-4o-mini`), not the route name.
    public init(request: JSONValue, model: String) {
        let text = Self.canonicalText(request: request, model: model)
        self.hex = SHA256.hexDigest(text)
    }

    /// The keys of one request for each of `models`, in that order (the request is filtered once).
    public static func keys(request: JSONValue, models: [String]) -> [CacheKey] {
        var members = keyedMembers(request)
        return models.map { model in
            members["model"] = .string(model)
            return CacheKey(hex: SHA256.hexDigest(JSONValue.object(members).canonicalText))
        }
    }

    /// The exact text that is hashed; exposed for debugging and tests.
    public static func canonicalText(request: JSONValue, model: String) -> String {
        var members = keyedMembers(request)
        members["model"] = .string(model)
        return JSONValue.object(members).canonicalText
    }

    /// The request's members that are part of the key, plus the format version (no model yet).
    private static func keyedMembers(_ request: JSONValue) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        if case .object(let fields) = request {
            for (name, value) in fields where !ignoredFields.contains(name) {
                members[name] = value
            }
        } else {
            members["request"] = request
        }
        members["_v"] = .int(formatVersion)
        return members
    }

    public var description: String { hex }
}
