import Foundation

/// Everything the workers know about a deployment's condition at routing time: breaker, provider
/// rate-limit state, this worker's lease of the shared RPM/TPM budget, and latency. The worker keeps these cached and syncs
/// them with PostgreSQL; routing only reads them.
public struct DeploymentHealth: Sendable, Hashable {
    public var breaker: CircuitBreaker
    public var rateLimit: RateLimitState
    public var budget: RateBudget
    public var latency: LatencyEWMA

    public init(
        breaker: CircuitBreaker = CircuitBreaker(), rateLimit: RateLimitState = RateLimitState(),
        budget: RateBudget = RateBudget(rpm: nil, tpm: nil), latency: LatencyEWMA = LatencyEWMA()
    ) {
        self.breaker = breaker
        self.rateLimit = rateLimit
        self.budget = budget
        self.latency = latency
    }

    /// A healthy deployment with the config's limits and breaker policy.
    public init(deployment: DeploymentConfig, policy: CircuitBreakerPolicy) {
        self.init(breaker: CircuitBreaker(policy: policy), budget: RateBudget(rpm: deployment.rpm, tpm: deployment.tpm, windowSeconds: deployment.rateWindowSeconds))
    }

    /// Every deployment of `config`, healthy, with its limits and the breaker policy.
    public static func initial(for config: GatewayConfig) -> [String: DeploymentHealth] {
        var health: [String: DeploymentHealth] = [:]
        for deployment in config.deployments {
            health[deployment.name] = DeploymentHealth(deployment: deployment, policy: config.resilience.breaker)
        }
        return health
    }

    /// Why this deployment cannot take a call of `tokens` now, if it cannot.
    public func exclusion(holder: String, tokens: Int, now: Date) -> (reason: RoutingDecision.ExclusionReason, retryAt: Date?)? {
        if case .rejected(let retryAt) = breaker.peek(holder: holder, now: now) {
            return (breaker.state.state == .halfOpen ? .probeInFlight : .breakerOpen, retryAt)
        }
        if let cooldown = rateLimit.cooldownUntil, cooldown > now {
            return (.coolingDown, cooldown)
        }
        if let until = rateLimit.earliestCall(estimatedTokens: tokens, now: now) {
            return (.providerLimitReached, until)
        }
        if let until = budget.earliestCall(tokens: tokens, now: now) {
            return (.budgetSpent, until)
        }
        return nil
    }
}
