import Foundation

/// The deployment's own RPM/TPM limits from config, enforced before calling so that 429s are
/// avoided rather than reacted to. Counts calls and tokens in fixed one-minute windows: a value
/// that a later SQL sync can update atomically across workers (`UPDATE ... RETURNING`).
public struct RateBudget: Sendable, Hashable, Codable {
    public var rpm: Int?
    public var tpm: Int?
    public var windowStartedAt: Date?
    public var requests: Int
    public var tokens: Int

    public static let windowSeconds: TimeInterval = 60

    public init(rpm: Int?, tpm: Int?, windowStartedAt: Date? = nil, requests: Int = 0, tokens: Int = 0) {
        self.rpm = rpm
        self.tpm = tpm
        self.windowStartedAt = windowStartedAt
        self.requests = requests
        self.tokens = tokens
    }

    enum CodingKeys: String, CodingKey {
        case rpm, tpm, requests, tokens
        case windowStartedAt = "window_started_at"
    }

    /// When a call of `tokens` fits: nil means now. A call larger than the whole TPM limit fits an
    /// empty window, otherwise it could never run.
    public func earliestCall(tokens estimated: Int, now: Date) -> Date? {
        var current = self
        current.roll(now: now)
        guard let windowEnd = current.windowStartedAt?.addingTimeInterval(Self.windowSeconds) else { return nil }
        if let rpm, current.requests >= rpm { return windowEnd }
        if let tpm, current.tokens > 0, current.tokens + estimated > tpm { return windowEnd }
        return nil
    }

    /// Counts the call when it fits now and returns nil; otherwise changes nothing and returns the
    /// earliest time it would fit.
    public mutating func reserve(tokens estimated: Int, now: Date) -> Date? {
        if let later = earliestCall(tokens: estimated, now: now) { return later }
        roll(now: now)
        if windowStartedAt == nil { windowStartedAt = now }
        requests += 1
        tokens += max(0, estimated)
        return nil
    }

    /// Corrects the reservation once the real token count is known (may be negative).
    public mutating func adjust(tokensBy delta: Int, now: Date) {
        roll(now: now)
        guard windowStartedAt != nil else { return }
        tokens = max(0, tokens + delta)
    }

    private mutating func roll(now: Date) {
        guard let start = windowStartedAt else { return }
        if now.timeIntervalSince(start) >= Self.windowSeconds || now < start {
            windowStartedAt = nil
            requests = 0
            tokens = 0
        }
    }
}
