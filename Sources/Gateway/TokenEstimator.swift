import Providers
/// Rough token counts without a tokenizer: about four characters (UTF-8 bytes, so scripts with
/// multi-byte characters count higher, as real tokenizers do) per token plus per-message overhead.
/// Good enough for context-window checks, budgets and cost estimates; the ledger uses the
/// provider's own usage numbers.
public enum TokenEstimator {
    /// Overhead per chat message (role, separators), as OpenAI documents for its chat format.
    public static let perMessageOverhead = 4

    public static func tokens(in text: String) -> Int {
        (text.utf8.count + 3) / 4
    }

    /// The prompt tokens of an OpenAI-shaped request: messages, plus tool definitions.
    public static func promptTokens(request: JSONValue) -> Int {
        var total = 3
        for message in request["messages"]?.arrayValue ?? [] {
            total += perMessageOverhead + tokens(in: text(ofContent: message["content"]))
            if let calls = message["tool_calls"] { total += tokens(in: calls.canonicalText) }
        }
        if let tools = request["tools"] { total += tokens(in: tools.canonicalText) }
        return total
    }

    /// The text of a message's `content`: a string, or the `text` of its parts (images not counted).
    public static func text(ofContent content: JSONValue?) -> String {
        switch content {
        case .string(let s): return s
        case .array(let parts): return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return ""
        }
    }
}
