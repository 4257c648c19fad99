import Providers

/// Money for one call: its cost at the deployment's price, what the baseline model would have
/// cost for the same tokens, and the saving (seed 004's cost comparison).
public struct CostCalculator: Sendable, Hashable {
    public var baseline: ModelPrice

    public init(baseline: ModelPrice) {
        self.baseline = baseline
    }

    public struct Breakdown: Sendable, Hashable, Codable {
        public var costUSD: Double
        public var baselineCostUSD: Double

        public var savingsUSD: Double { baselineCostUSD - costUSD }
        /// 0-100 (negative when the call cost more than the baseline); 0 when the baseline is free.
        public var savingsPercent: Double {
            baselineCostUSD > 0 ? (baselineCostUSD - costUSD) / baselineCostUSD * 100 : 0
        }

        enum CodingKeys: String, CodingKey {
            case costUSD = "cost_usd"
            case baselineCostUSD = "baseline_cost_usd"
        }
    }

    /// USD for the tokens at a price per million.
    /// - Parameter cachedTokens: the part of `promptTokens` the provider read from its prompt cache.
    public static func cost(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, price: ModelPrice) -> Double {
        price.cost(promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: cachedTokens)
    }

    /// The call's cost and the baseline's for the same tokens (the baseline gets its own cached-input price).
    public func breakdown(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, price: ModelPrice) -> Breakdown {
        Breakdown(
            costUSD: Self.cost(
                promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: cachedTokens, price: price),
            baselineCostUSD: Self.cost(
                promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: cachedTokens, price: baseline))
    }

    /// A cache hit: nothing spent, the baseline cost saved.
    public func cacheHit(promptTokens: Int, completionTokens: Int) -> Breakdown {
        Breakdown(
            costUSD: 0,
            baselineCostUSD: Self.cost(promptTokens: promptTokens, completionTokens: completionTokens, price: baseline))
    }
}
