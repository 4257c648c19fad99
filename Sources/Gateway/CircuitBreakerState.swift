import Foundation

/// A deployment's breaker as stored: a plain value so that the worker can cache it and a SQL sync
/// can keep it in a `deployment_state` row shared by every worker (the coding keys are the column names).
public struct CircuitBreakerState: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    public var state: Phase
    public var consecutiveFailures: Int
    /// Start of the fixed window `windowSuccesses` / `windowFailures` count over.
    public var windowStartedAt: Date?
    public var windowSuccesses: Int
    public var windowFailures: Int
    /// While `open`: when one probe may go through.
    public var openUntil: Date?
    /// While `half_open`: who holds the single probe (e.g. `"worker-7/job-123"`), and until when.
    public var probeHolder: String?
    public var probeExpiresAt: Date?

    public init(
        state: Phase = .closed, consecutiveFailures: Int = 0, windowStartedAt: Date? = nil, windowSuccesses: Int = 0,
        windowFailures: Int = 0, openUntil: Date? = nil, probeHolder: String? = nil, probeExpiresAt: Date? = nil
    ) {
        self.state = state
        self.consecutiveFailures = consecutiveFailures
        self.windowStartedAt = windowStartedAt
        self.windowSuccesses = windowSuccesses
        self.windowFailures = windowFailures
        self.openUntil = openUntil
        self.probeHolder = probeHolder
        self.probeExpiresAt = probeExpiresAt
    }

    public static let closed = CircuitBreakerState()

    enum CodingKeys: String, CodingKey {
        case state
        case consecutiveFailures = "consecutive_failures"
        case windowStartedAt = "window_started_at"
        case windowSuccesses = "window_successes"
        case windowFailures = "window_failures"
        case openUntil = "open_until"
        case probeHolder = "probe_holder"
        case probeExpiresAt = "probe_expires_at"
    }
}
