import Providers

/// The mock's deterministic answer to Switchyard's LLM-classifier prompt (Gateway's
/// `LLMClassifierPrompt`), so the classifier mode of `complexity` routes can be tested over real
/// HTTP with known verdicts.
///
/// A request is a classifier request when its system message opens with ``marker``. The verdict
/// comes from a directive inside the prompt being classified:
/// - `[[mock-classify score=9 task=math]]` answers exactly that (confidence 0.9);
/// - `[[mock-classify garbage]]` answers text that holds no JSON object (an unparseable reply);
/// - without a directive: task `general`, score 1 + one per 20 words (at most 10), confidence 0.5.
public enum MockClassification {
    /// The opening of the classifier's system prompt (the Gateway module owns the prompt; a test
    /// checks that it still opens like this).
    public static let marker = "You classify prompts for an LLM router."

    static func isClassifierRequest(_ request: MockChatRequest) -> Bool {
        request.messages.first { $0.role == "system" }?.text.hasPrefix(marker) ?? false
    }

    /// The reply text for a classifier request.
    static func reply(to request: MockChatRequest) -> String {
        let text = request.messages.last { $0.role == "user" }?.text ?? ""
        let prompt = between(text, "<<<", ">>>") ?? text
        if let directive = between(prompt, "[[mock-classify", "]]") {
            let words = directive.split(separator: " ")
            if words.contains("garbage") { return "I would rather not classify this prompt." }
            var fields: [String: String] = [:]
            for word in words {
                let parts = word.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return verdict(
                score: Int(fields["score"] ?? "") ?? 5, task: fields["task"] ?? "general",
                reasoning: "as the prompt's mock-classify directive says", confidence: 0.9)
        }
        let words = prompt.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).count
        return verdict(score: min(10, 1 + words / 20), task: "general", reasoning: "\(words) words", confidence: 0.5)
    }

    static func verdict(score: Int, task: String, reasoning: String, confidence: Double) -> String {
        JSONValue.object([
            "complexity_score": .int(score), "task_type": .string(task), "reasoning": .string("Mock classifier: \(reasoning)."),
            "confidence": .double(confidence),
        ]).description
    }

    /// The text between the first `open` and the next `close` after it.
    static func between(_ text: String, _ open: String, _ close: String) -> String? {
        guard let start = text.range(of: open), let end = text.range(of: close, range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
