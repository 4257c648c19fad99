/// Defaults for breakers, failover attempts, backoff and timeouts. Durations are milliseconds so
/// tests can shrink them.
public struct ResilienceConfig: Sendable, Hashable, Codable {
    public var breaker: CircuitBreakerPolicy
    /// Failovers after the first call within one try of a job (seed 002: 3 retries → up to 4 calls).
    /// Distinct from a job's `max_attempts`, which counts tries of the whole job.
    public var retries: Int
    /// Backoff for rescheduling a job when nothing can be called and no reset time is known.
    public var backoffBaseMs: Int
    public var backoffMaxMs: Int
    /// Deadline of one provider call.
    public var attemptTimeoutMs: Int
    /// Cooldown after a 429 that carries no Retry-After.
    public var defaultCooldownMs: Int
    /// Weight of the newest sample in the latency EWMA.
    public var latencyEWMAAlpha: Double

    public init(
        breaker: CircuitBreakerPolicy = CircuitBreakerPolicy(), retries: Int = 3, backoffBaseMs: Int = 1_000,
        backoffMaxMs: Int = 60_000, attemptTimeoutMs: Int = 60_000, defaultCooldownMs: Int = 10_000,
        latencyEWMAAlpha: Double = 0.2
    ) {
        self.breaker = breaker
        self.retries = retries
        self.backoffBaseMs = backoffBaseMs
        self.backoffMaxMs = backoffMaxMs
        self.attemptTimeoutMs = attemptTimeoutMs
        self.defaultCooldownMs = defaultCooldownMs
        self.latencyEWMAAlpha = latencyEWMAAlpha
    }

    public var backoff: Backoff { Backoff(baseMs: backoffBaseMs, maxMs: backoffMaxMs) }

    enum CodingKeys: String, CodingKey {
        case breaker, retries
        case backoffBaseMs = "backoff_base_ms"
        case backoffMaxMs = "backoff_max_ms"
        case attemptTimeoutMs = "attempt_timeout_ms"
        case defaultCooldownMs = "default_cooldown_ms"
        case latencyEWMAAlpha = "latency_ewma_alpha"
    }
}
