/// What a prompt asks for, as the complexity router's table distinguishes it (seed 004).
public enum TaskType: String, Sendable, Hashable, Codable, CaseIterable {
    case simpleQA = "simple_qa"
    case general
    case code
    case math
    case reasoning
    case analysis
    case creative
    case translation
}

/// Complexity bands: LOW 1-3, MEDIUM 4-6, HIGH 7-10 (seed 004).
public enum ComplexityTier: String, Sendable, Hashable, Codable, CaseIterable {
    case low
    case medium
    case high

    public init(score: Int) {
        switch score {
        case ..<4: self = .low
        case 4...6: self = .medium
        default: self = .high
        }
    }

    /// The scores the tier covers, for reasoning text.
    public var range: ClosedRange<Int> {
        switch self {
        case .low: 1...3
        case .medium: 4...6
        case .high: 7...10
        }
    }
}

/// A classifier's verdict on one prompt, with the reasoning chain that produced it.
public struct Classification: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        case ruleBased = "rule_based"
        case llm
    }

    /// 1 (trivial) to 10 (hardest).
    public var score: Int
    public var taskType: TaskType
    /// One line per rule that fired, in order.
    public var reasoning: [String]
    /// 1.0 for the rule-based classifier; the LLM's own estimate otherwise.
    public var confidence: Double
    public var mode: Mode

    public var tier: ComplexityTier { ComplexityTier(score: score) }

    public init(score: Int, taskType: TaskType, reasoning: [String], confidence: Double = 1, mode: Mode = .ruleBased) {
        self.score = min(10, max(1, score))
        self.taskType = taskType
        self.reasoning = reasoning
        self.confidence = confidence
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case score, reasoning, confidence, mode, tier
        case taskType = "task_type"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            score: try container.decode(Int.self, forKey: .score),
            taskType: try container.decode(TaskType.self, forKey: .taskType),
            reasoning: try container.decode([String].self, forKey: .reasoning),
            confidence: try container.decode(Double.self, forKey: .confidence),
            mode: try container.decode(Mode.self, forKey: .mode))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(score, forKey: .score)
        try container.encode(taskType, forKey: .taskType)
        try container.encode(tier, forKey: .tier)
        try container.encode(reasoning, forKey: .reasoning)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(mode, forKey: .mode)
    }
}
