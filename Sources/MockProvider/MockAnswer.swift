import Providers

/// The deterministic answer to a chat request: same messages, same text and token counts, every run.
///
/// The text carries a stable hash of the messages and a summary-like echo of the last user turn, e.g.
/// `Mock answer 9f2c1e0a4b7d3e61 from gpt-4o: "Summarise the attached contract in three…" (57 words).`
/// Token counts follow the usual rule of thumb: about one token per four bytes of text, plus four per
/// message and three for the reply's priming. Switchyard's LLM-classifier prompt gets a
/// classification instead (``MockClassification``).
public struct MockAnswer: Sendable, Equatable {
    /// The model that answered (the profile's `response_model`, or the name asked for).
    public var model: String
    public var text: String
    /// 16 hex digits of the FNV-1a hash of the messages.
    public var hash: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the emulated prompt cache (OpenAI format only).
    public var cachedTokens: Int = 0
    /// The answer was cut at `max_tokens`.
    public var truncated: Bool

    public var totalTokens: Int { promptTokens + completionTokens }

    public init(for request: MockChatRequest, answeredBy model: String) {
        let digest = MockAnswer.digest(request.messages)
        self.model = model
        self.hash = MockAnswer.hex(digest)
        self.promptTokens = MockAnswer.promptTokens(request.messages)
        let lastUser = request.messages.last { $0.role == "user" } ?? request.messages.last
        let (echo, wordCount) = MockAnswer.echo(lastUser?.text ?? "")
        var text: String
        if MockClassification.isClassifierRequest(request) {
            text = MockClassification.reply(to: request)
        } else if request.jsonMode {
            text = JSONValue.object([
                "summary": .string(echo), "words": .int(wordCount), "hash": .string(hash), "model": .string(model),
            ]).description
        } else {
            text = "Mock answer \(hash) from \(model): \(JSONValue.string(echo).description) (\(wordCount) word\(wordCount == 1 ? "" : "s"))."
        }
        var completion = MockAnswer.tokens(text)
        truncated = false
        if let maxTokens = request.maxTokens, maxTokens < completion {
            // Cut on a character boundary at about four bytes per token.
            var cut = ""
            for character in text {
                if cut.utf8.count + character.utf8.count > maxTokens * 4 { break }
                cut.append(character)
            }
            text = cut
            completion = maxTokens
            truncated = true
        }
        self.text = text
        self.completionTokens = completion
    }

    /// The first 12 words of `text` (at most about 100 bytes, "…" when cut) and its word count.
    /// Works on bytes: words are separated by ASCII whitespace.
    static func echo(_ text: String) -> (echo: String, words: Int) {
        var words = 0
        var inWord = false
        var echoEnd = 0
        var cut = false
        var index = 0
        for byte in text.utf8 {
            let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if space {
                if inWord, words <= 12 { echoEnd = index }
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
                if words == 13 { cut = true }
            }
            index += 1
        }
        if inWord, words <= 12 { echoEnd = index }
        var bytes = Array(text.utf8.prefix(echoEnd))
        if bytes.count > 100 {
            bytes.removeLast(bytes.count - 100)
            // Do not end inside a UTF-8 sequence.
            while let last = bytes.last, last >= 0x80 {
                bytes.removeLast()
                if last >= 0xC0 { break }
            }
            cut = true
        }
        let words12 = bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D })
        var echo = String(decoding: Array(words12.joined(separator: [0x20])), as: UTF8.self)
        if cut { echo += "…" }
        return (echo, words)
    }

    /// About one token per four bytes, at least one for non-empty text.
    public static func tokens(_ text: String) -> Int {
        (text.utf8.count + 3) / 4
    }

    /// Prompt tokens of `messages`: text tokens + 4 per message + 3.
    public static func promptTokens(_ messages: [MockChatRequest.Message]) -> Int {
        messages.reduce(3) { $0 + tokens($1.text) + 4 }
    }

    /// FNV-1a over role and text of every message, with separators so boundaries matter.
    static func digest(_ messages: [MockChatRequest.Message]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for message in messages {
            for byte in message.role.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            hash = (hash ^ 0x1F) &* 0x0000_0100_0000_01B3
            for byte in message.text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            hash = (hash ^ 0x1E) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
