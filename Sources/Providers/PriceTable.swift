/// USD prices of one model, per million tokens. Encoded with the config's snake_case keys.
public struct ModelPrice: Sendable, Hashable, Codable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double
    /// Price of prompt tokens the provider served from its own prompt cache (OpenAI, DeepSeek,
    /// Anthropic reads); nil means they are charged as ordinary input.
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

    /// Cost in USD of one call's usage.
    public func cost(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) -> Double {
        let cached = min(max(cachedTokens, 0), promptTokens)
        let fresh = Double(promptTokens - cached) * inputPerMillion
        let cachedCost = Double(cached) * (cachedInputPerMillion ?? inputPerMillion)
        return (fresh + cachedCost + Double(completionTokens) * outputPerMillion) / 1_000_000
    }

    public func cost(_ usage: ChatCompletion.Usage) -> Double {
        cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedTokens: usage.cachedTokens ?? 0)
    }
}

/// Prices by model name (as configured; the config is the source of truth, not this type).
public struct PriceTable: Sendable, Hashable {
    public var prices: [String: ModelPrice]

    public init(_ prices: [String: ModelPrice] = [:]) { self.prices = prices }

    public subscript(_ model: String) -> ModelPrice? {
        get { prices[model] }
        set { prices[model] = newValue }
    }

    /// Cost in USD, or nil when the model has no price (the ledger then records NULL, not 0).
    public func cost(model: String, usage: ChatCompletion.Usage) -> Double? {
        prices[model]?.cost(usage)
    }
}
