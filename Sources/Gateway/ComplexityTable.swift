/// The tier x task table of a `complexity` route: which deployment answers a prompt of a given
/// complexity tier and task type. A tier may give a `default` for the task types it does not list.
///
/// Config form (every tier must cover every task type, explicitly or through `default`):
/// ```json
/// "complexity": {
///   "table": {
///     "low":    {"default": "gpt-4o-mini"},
///     "medium": {"default": "gpt-4o-mini", "analysis": "claude-3-5-sonnet", ...},
///     "high":   {"default": "claude-3-5-sonnet", "reasoning": "gpt-4o", ...}
///   },
///   "classifier": {"mode": "rule_based"}
/// }
/// ```
public struct ComplexityTable: Sendable, Hashable, Codable {
    /// tier → task → deployment; the key `default` stands for unlisted task types.
    public var entries: [ComplexityTier: [String: String]]

    public init(entries: [ComplexityTier: [String: String]]) {
        self.entries = entries
    }

    public static let defaultKey = "default"

    /// The deployment for a tier and task, or nil when the table has no entry (validation prevents that).
    public func deployment(tier: ComplexityTier, task: TaskType) -> String? {
        guard let row = entries[tier] else { return nil }
        return row[task.rawValue] ?? row[Self.defaultKey]
    }

    /// Every deployment the table names.
    public var deployments: Set<String> {
        Set(entries.values.flatMap(\.values))
    }

    /// Seed 004's routing table over the given deployment names:
    /// LOW → cheap for everything; MEDIUM → cheap for code, math, general, simple QA and balanced
    /// for analysis, creative, translation, reasoning; HIGH → strong for reasoning, math, code,
    /// simple QA and balanced for analysis, creative, general, translation.
    public static func seed(cheap: String = "gpt-4o-mini", balanced: String = "claude-3-5-sonnet", strong: String = "gpt-4o")
        -> ComplexityTable
    {
        ComplexityTable(entries: [
            .low: [defaultKey: cheap],
            .medium: [
                defaultKey: cheap,
                TaskType.analysis.rawValue: balanced, TaskType.creative.rawValue: balanced,
                TaskType.translation.rawValue: balanced, TaskType.reasoning.rawValue: balanced,
            ],
            .high: [
                defaultKey: balanced,
                TaskType.reasoning.rawValue: strong, TaskType.math.rawValue: strong,
                TaskType.code.rawValue: strong, TaskType.simpleQA.rawValue: strong,
            ],
        ])
    }

    enum CodingKeys: String, CodingKey {
        case low, medium, high
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var entries: [ComplexityTier: [String: String]] = [:]
        entries[.low] = try container.decodeIfPresent([String: String].self, forKey: .low)
        entries[.medium] = try container.decodeIfPresent([String: String].self, forKey: .medium)
        entries[.high] = try container.decodeIfPresent([String: String].self, forKey: .high)
        self.entries = entries
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(entries[.low], forKey: .low)
        try container.encodeIfPresent(entries[.medium], forKey: .medium)
        try container.encodeIfPresent(entries[.high], forKey: .high)
    }
}
