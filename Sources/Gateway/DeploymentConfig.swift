import Providers

/// A model reachable through a provider, with its price and limits — the unit routing chooses
/// between and that breakers, rate limits and latency are tracked for.
public struct DeploymentConfig: Sendable, Hashable, Codable {
    /// Unique name used by routes (`gpt-4o`, `azure-gpt-4o-mini`).
    public var name: String
    /// Name of a ``ProviderConfig``.
    public var provider: String
    /// The model id sent to the provider (for Azure, the deployment id unless `azureDeployment` is set).
    public var model: String
    /// Azure's deployment id when it differs from `model`.
    public var azureDeployment: String?
    /// Pins an endpoint of the provider by region; nil = any endpoint.
    public var region: String?
    /// Default weight when a route lists it without one.
    public var weight: Double
    /// Default priority when a route lists it without one; higher is tried first.
    public var priority: Int
    public var price: ModelPrice
    /// Requests per minute this deployment may receive from all workers together; nil = unlimited.
    public var rpm: Int?
    /// Tokens (prompt + completion) per minute, from all workers together; nil = unlimited.
    public var tpm: Int?
    /// The window `rpm` and `tpm` count in, in seconds: 60, or shorter in tests.
    public var rateWindowSeconds: Double
    /// Maximum prompt + completion tokens; nil = unknown (never excluded for size).
    public var contextWindow: Int?

    public init(
        name: String, provider: String, model: String, azureDeployment: String? = nil, region: String? = nil,
        weight: Double = 1, priority: Int = 0, price: ModelPrice, rpm: Int? = nil, tpm: Int? = nil,
        rateWindowSeconds: Double = RateBudget.defaultWindowSeconds, contextWindow: Int? = nil
    ) {
        self.name = name
        self.provider = provider
        self.model = model
        self.azureDeployment = azureDeployment
        self.region = region
        self.weight = weight
        self.priority = priority
        self.price = price
        self.rpm = rpm
        self.tpm = tpm
        self.rateWindowSeconds = rateWindowSeconds
        self.contextWindow = contextWindow
    }

    enum CodingKeys: String, CodingKey {
        case name, provider, model, region, weight, priority, price, rpm, tpm
        case azureDeployment = "azure_deployment"
        case contextWindow = "context_window"
        case rateWindowSeconds = "rate_window_s"
    }
}
