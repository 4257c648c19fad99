import Providers

/// A deployment as routing sees it: identity, the route's weight and priority for it, price and size.
public struct RoutingCandidate: Sendable, Hashable, Codable {
    /// Why the deployment is in the running.
    public enum Role: String, Sendable, Hashable, Codable {
        case target
        case fallback
        /// Chosen by the complexity table without being listed in the route.
        case classified
    }

    public var deployment: String
    public var provider: String
    public var model: String
    public var weight: Double
    public var priority: Int
    public var price: ModelPrice
    public var contextWindow: Int?
    public var role: Role

    public init(
        deployment: String, provider: String, model: String, weight: Double = 1, priority: Int = 0,
        price: ModelPrice, contextWindow: Int? = nil, role: Role = .target
    ) {
        self.deployment = deployment
        self.provider = provider
        self.model = model
        self.weight = weight
        self.priority = priority
        self.price = price
        self.contextWindow = contextWindow
        self.role = role
    }

    /// USD this call would cost for the estimated tokens.
    public func estimatedCost(promptTokens: Int, completionTokens: Int) -> Double {
        CostCalculator.cost(promptTokens: promptTokens, completionTokens: completionTokens, price: price)
    }

    enum CodingKeys: String, CodingKey {
        case deployment, provider, model, weight, priority, price, role
        case contextWindow = "context_window"
    }
}
