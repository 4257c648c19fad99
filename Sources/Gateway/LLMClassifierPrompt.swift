import Foundation
import Providers

/// The LLM-classifier mode of a `complexity` route: builds the chat request that asks another
/// route's model to classify a prompt, and parses its answer into a ``Classification``.
/// The worker makes the call; when it fails or the answer does not parse, the rule-based
/// classifier decides instead.
public struct LLMClassifierPrompt: Sendable {
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case noJSONObject
        case invalidJSON(String)
        case missingField(String)
        case invalidField(String, String)

        public var description: String {
            switch self {
            case .noJSONObject: "the classifier's answer holds no JSON object"
            case .invalidJSON(let detail): "the classifier's answer is not valid JSON: \(detail)"
            case .missingField(let name): "the classifier's answer lacks \"\(name)\""
            case .invalidField(let name, let detail): "the classifier's \"\(name)\" is invalid: \(detail)"
            }
        }
    }

    /// Longest prompt excerpt sent to the classifier (characters); the classification of a long
    /// document depends on its beginning and its size, both of which the excerpt reports.
    public var maxPromptCharacters: Int

    public init(maxPromptCharacters: Int = 4_000) {
        self.maxPromptCharacters = maxPromptCharacters
    }

    /// The system message; it opens with "You classify prompts for an LLM router." (the mock
    /// provider recognises classifier requests by that).
    public static let systemPrompt = """
        You classify prompts for an LLM router. Reply with one JSON object and nothing else:
        {"complexity_score": <integer 1-10>, "task_type": "<one of: \
        \(TaskType.allCases.map(\.rawValue).joined(separator: ", "))>", \
        "reasoning": "<one or two sentences>", "confidence": <number 0-1>}
        Scoring: 1-3 simple (facts, arithmetic, short rewrites); 4-6 moderate (ordinary code, summaries, \
        short creative pieces); 7-10 hard (multi-step reasoning, advanced mathematics, long or nuanced \
        analysis, expert domains). Classify the prompt; do not answer it.
        """

    /// The chat messages for classifying `prompt`.
    public func messages(for prompt: String) -> [JSONValue] {
        var excerpt = prompt
        if excerpt.count > maxPromptCharacters {
            excerpt = String(excerpt.prefix(maxPromptCharacters)) + "\n[... truncated; \(prompt.count) characters in all]"
        }
        return [
            ["role": "system", "content": .string(Self.systemPrompt)],
            ["role": "user", "content": .string("Prompt to classify:\n<<<\n\(excerpt)\n>>>")],
        ]
    }

    /// A complete chat-completions request (deterministic, JSON mode, small).
    public func request(for prompt: String, model: String) -> JSONValue {
        [
            "model": .string(model),
            "messages": .array(messages(for: prompt)),
            "temperature": 0,
            "max_tokens": 200,
            "response_format": ["type": "json_object"],
        ]
    }

    /// Parses the model's reply. Tolerates code fences and text around the object, task-type
    /// spellings like "Simple QA", and a score given as a string or a decimal (rounded); a score
    /// outside 1-10 or an unknown task type is an error.
    public func parse(_ reply: String) throws(ParseError) -> Classification {
        guard let start = reply.firstIndex(of: "{"), let end = reply.lastIndex(of: "}"), start < end else {
            throw .noJSONObject
        }
        let object: JSONValue
        do {
            object = try JSONValue.parse(String(reply[start...end]))
        } catch {
            throw .invalidJSON("\(error)")
        }
        guard case .object(let fields) = object else { throw .noJSONObject }

        guard let rawScore = fields["complexity_score"] ?? fields["score"] ?? fields["complexity"] else {
            throw .missingField("complexity_score")
        }
        let scoreValue = rawScore.doubleValue ?? rawScore.stringValue.flatMap(Double.init)
        guard let scoreValue, scoreValue.isFinite else {
            throw .invalidField("complexity_score", "expected a number, found \(rawScore.canonicalText)")
        }
        let score = Int(scoreValue.rounded())
        guard (1...10).contains(score) else {
            throw .invalidField("complexity_score", "expected 1-10, found \(rawScore.canonicalText)")
        }

        guard let rawTask = (fields["task_type"] ?? fields["task"])?.stringValue else { throw .missingField("task_type") }
        let normalized = rawTask.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_")
        let aliases: [String: TaskType] = ["qa": .simpleQA, "simpleqa": .simpleQA, "coding": .code, "mathematics": .math]
        guard let task = TaskType(rawValue: normalized) ?? aliases[normalized] else {
            throw .invalidField("task_type", "expected one of \(TaskType.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(rawTask)\"")
        }

        let confidence = min(1, max(0, fields["confidence"]?.doubleValue ?? 0.8))
        var reasoning: [String] = []
        switch fields["reasoning"] {
        case .string(let text): reasoning = [text]
        case .array(let items): reasoning = items.compactMap(\.stringValue)
        default: break
        }
        reasoning.append("LLM classifier: score \(score)/10, task \(task.rawValue), confidence \(confidence)")
        return Classification(score: score, taskType: task, reasoning: reasoning, confidence: confidence, mode: .llm)
    }
}
