/// Which providers `switchyard up` uses: the built-in mock providers, or the real ones whose keys
/// are in the environment (`auto` decides by whether any key is set).
public enum ProviderMode: String, Sendable, CaseIterable {
    case auto, mock, real

    /// The provider key variables `examples/switchyard.real.json` names.
    public static let keyVariables = [
        "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY", "DEEPSEEK_API_KEY",
    ]

    /// The key variables set (non-empty) in `environment`; their values are never read here.
    public static func keysPresent(in environment: [String: String]) -> [String] {
        keyVariables.filter { !(environment[$0]?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true) }
    }

    /// `mock` or `real` for this environment.
    public func resolved(environment: [String: String]) -> ProviderMode {
        guard self == .auto else { return self }
        return Self.keysPresent(in: environment).isEmpty ? .mock : .real
    }
}
