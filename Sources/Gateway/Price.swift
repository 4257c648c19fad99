/// USD per million tokens.
public struct Price: Sendable, Hashable, Codable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double
    /// Prompt tokens the provider served from its own prompt cache (OpenAI, DeepSeek, Anthropic
    /// reads); nil = charged as ordinary input.
    public var cachedInputPerMillion: Double?

    public init(inputPerMillion: Double, outputPerMillion: Double, cachedInputPerMillion: Double? = nil) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
    }

    enum CodingKeys: String, CodingKey {
        case inputPerMillion = "input_per_million"
        case outputPerMillion = "output_per_million"
        case cachedInputPerMillion = "cached_input_per_million"
    }
}
