/// The HTTP dialect a provider speaks. Raw values are the names used in configuration files.
public enum WireFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case openai
    case azure
    case anthropic
    case gemini
    case mistral
    case deepseek
    case openaiCompatible = "openai-compatible"

    /// The public API base URL, or nil where it depends on the account (Azure resources, self-hosted servers).
    public var defaultBaseURL: String? {
        switch self {
        case .openai: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com"
        case .gemini: return "https://generativelanguage.googleapis.com"
        case .mistral: return "https://api.mistral.ai/v1"
        case .deepseek: return "https://api.deepseek.com/v1"
        case .azure, .openaiCompatible: return nil
        }
    }

    /// The adapter that translates requests and responses for this format.
    public var adapter: any ProviderAdapter {
        switch self {
        case .openai, .mistral, .deepseek, .openaiCompatible: return OpenAIAdapter(format: self)
        case .azure: return AzureAdapter()
        case .anthropic: return AnthropicAdapter()
        case .gemini: return GeminiAdapter()
        }
    }
}
