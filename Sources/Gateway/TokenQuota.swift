/// A client's token quotas: at most `perMinute` tokens in one UTC minute and `perDay` in one UTC
/// day (nil: no limit). Tokens count against the windows in which their job was submitted; see
/// ``QuotaLedger`` for how estimates are reserved and settled from the usage ledger.
public struct TokenQuota: Sendable, Hashable {
    public var perMinute: Int?
    public var perDay: Int?

    public init(perMinute: Int? = nil, perDay: Int? = nil) {
        self.perMinute = perMinute
        self.perDay = perDay
    }

    /// True when neither window is limited: submits skip quota accounting entirely.
    public var isUnlimited: Bool { perMinute == nil && perDay == nil }

    /// The tokens already counted in the current windows and how long until each one ends.
    public struct Usage: Sendable, Hashable {
        public var minuteTokens: Int
        public var dayTokens: Int
        public var secondsToMinuteEnd: Double
        public var secondsToDayEnd: Double

        public init(minuteTokens: Int, dayTokens: Int, secondsToMinuteEnd: Double, secondsToDayEnd: Double) {
            self.minuteTokens = minuteTokens
            self.dayTokens = dayTokens
            self.secondsToMinuteEnd = secondsToMinuteEnd
            self.secondsToDayEnd = secondsToDayEnd
        }
    }

    public enum Window: String, Sendable, Hashable {
        case minute, day
    }

    /// Whether a request for some tokens is admitted, and the figures for the `x-ratelimit-*` headers.
    public struct Decision: Sendable, Hashable {
        public var admitted: Bool
        /// The window that refused, or (admitted) the one with the fewest tokens left.
        public var window: Window
        public var limit: Int
        /// Tokens left in `window`: after this request when admitted, before it when refused.
        public var remaining: Int
        /// Seconds until `window` ends and its tokens are available again.
        public var resetSeconds: Double
        public var requested: Int

        /// The request needs more tokens than the window allows at all: retrying cannot help.
        public var neverFits: Bool { !admitted && requested > limit }

        /// Whole seconds for `Retry-After` (at least 1).
        public var retryAfterSeconds: Int { max(1, Int(resetSeconds.rounded(.up))) }
    }

    /// Decides whether `requested` more tokens fit in both windows given `usage`; nil when unlimited.
    public func decide(requested: Int, usage: Usage) -> Decision? {
        var windows: [(Window, Int, Int, Double)] = []
        if let perMinute { windows.append((.minute, perMinute, usage.minuteTokens, usage.secondsToMinuteEnd)) }
        if let perDay { windows.append((.day, perDay, usage.dayTokens, usage.secondsToDayEnd)) }
        guard !windows.isEmpty else { return nil }
        // A refusal names the window that will stay closed longest, so Retry-After is not too early.
        let refusing = windows.filter { _, limit, used, _ in used + requested > limit }
        if let (window, limit, used, reset) = refusing.max(by: { $0.3 < $1.3 }) {
            return Decision(admitted: false, window: window, limit: limit, remaining: max(0, limit - used),
                            resetSeconds: max(0, reset), requested: requested)
        }
        let (window, limit, used, reset) = windows.min { $0.1 - $0.2 < $1.1 - $1.2 }!
        return Decision(admitted: true, window: window, limit: limit, remaining: limit - used - requested,
                        resetSeconds: max(0, reset), requested: requested)
    }
}
