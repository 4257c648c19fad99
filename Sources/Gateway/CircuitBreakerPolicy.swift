/// When a deployment's breaker opens and for how long (seed 001: 5 failures, 60 s, half-open).
/// Durations in milliseconds so tests can shrink them.
public struct CircuitBreakerPolicy: Sendable, Hashable, Codable {
    /// Open after this many failures in a row.
    public var consecutiveFailures: Int
    /// Or open when this share of the calls in the current window failed...
    public var failureRatio: Double
    /// ...once the window holds at least this many calls.
    public var minimumRequests: Int
    /// Length of the fixed window the ratio is counted over.
    public var windowMs: Int
    /// How long the breaker stays open before one probe is let through.
    public var resetTimeoutMs: Int
    /// How long a probe holder keeps the probe; after that another worker may probe (the holder crashed).
    public var probeTimeoutMs: Int

    public init(
        consecutiveFailures: Int = 5, failureRatio: Double = 0.5, minimumRequests: Int = 20, windowMs: Int = 60_000,
        resetTimeoutMs: Int = 60_000, probeTimeoutMs: Int = 30_000
    ) {
        self.consecutiveFailures = consecutiveFailures
        self.failureRatio = failureRatio
        self.minimumRequests = minimumRequests
        self.windowMs = windowMs
        self.resetTimeoutMs = resetTimeoutMs
        self.probeTimeoutMs = probeTimeoutMs
    }

    enum CodingKeys: String, CodingKey {
        case consecutiveFailures = "consecutive_failures"
        case failureRatio = "failure_ratio"
        case minimumRequests = "minimum_requests"
        case windowMs = "window_ms"
        case resetTimeoutMs = "reset_timeout_ms"
        case probeTimeoutMs = "probe_timeout_ms"
    }
}
