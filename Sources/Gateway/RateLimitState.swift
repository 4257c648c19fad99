import Foundation

/// What a deployment's provider told us about its rate limits, from its last response.
///
/// Providers parses `Retry-After`, `x-ratelimit-*` and `anthropic-ratelimit-*` into plain numbers
/// and absolute times; this type only decides. Shared by all workers through `deployment_state`.
public struct RateLimitState: Sendable, Hashable, Codable {
    public var remainingRequests: Int?
    public var remainingTokens: Int?
    public var requestsResetAt: Date?
    public var tokensResetAt: Date?
    /// Set from Retry-After (or a default) after a 429: nothing is sent before it.
    public var cooldownUntil: Date?

    public init(
        remainingRequests: Int? = nil, remainingTokens: Int? = nil, requestsResetAt: Date? = nil,
        tokensResetAt: Date? = nil, cooldownUntil: Date? = nil
    ) {
        self.remainingRequests = remainingRequests
        self.remainingTokens = remainingTokens
        self.requestsResetAt = requestsResetAt
        self.tokensResetAt = tokensResetAt
        self.cooldownUntil = cooldownUntil
    }

    /// One response's rate-limit headers, already parsed. Nil fields were absent.
    public struct Observation: Sendable, Hashable {
        public var remainingRequests: Int?
        public var remainingTokens: Int?
        public var requestsResetAt: Date?
        public var tokensResetAt: Date?
        /// Absolute time from `Retry-After` (seconds or HTTP date), when present.
        public var retryAfter: Date?
        /// The limits the provider reported (`x-ratelimit-limit-*`, `anthropic-ratelimit-*-limit`):
        /// after a 429 they become the deployment's shared budget (``RateBudget``).
        public var limitRequests: Int?
        public var limitTokens: Int?

        public init(
            remainingRequests: Int? = nil, remainingTokens: Int? = nil, requestsResetAt: Date? = nil,
            tokensResetAt: Date? = nil, retryAfter: Date? = nil, limitRequests: Int? = nil, limitTokens: Int? = nil
        ) {
            self.remainingRequests = remainingRequests
            self.remainingTokens = remainingTokens
            self.requestsResetAt = requestsResetAt
            self.tokensResetAt = tokensResetAt
            self.retryAfter = retryAfter
            self.limitRequests = limitRequests
            self.limitTokens = limitTokens
        }

        /// From times relative to the response, as the Providers module's `RateLimitInfo` gives them
        /// (for Anthropic's separate input/output token buckets, pass the tighter one).
        public init(
            now: Date, remainingRequests: Int?, resetRequestsAfter: Double?, remainingTokens: Int?,
            resetTokensAfter: Double?, retryAfter: Double?, limitRequests: Int? = nil, limitTokens: Int? = nil
        ) {
            self.init(
                remainingRequests: remainingRequests, remainingTokens: remainingTokens,
                requestsResetAt: resetRequestsAfter.map { now.addingTimeInterval($0) },
                tokensResetAt: resetTokensAfter.map { now.addingTimeInterval($0) },
                retryAfter: retryAfter.map { now.addingTimeInterval($0) }, limitRequests: limitRequests,
                limitTokens: limitTokens)
        }
    }

    /// Takes in the headers of any response (success or not).
    public mutating func apply(_ observation: Observation) {
        if let value = observation.remainingRequests {
            remainingRequests = value
            requestsResetAt = observation.requestsResetAt
        }
        if let value = observation.remainingTokens {
            remainingTokens = value
            tokensResetAt = observation.tokensResetAt
        }
        if let retryAfter = observation.retryAfter {
            cooldownUntil = max(cooldownUntil ?? retryAfter, retryAfter)
        }
    }

    /// A 429: cool down until Retry-After, or for `defaultCooldownMs` when the provider gave none
    /// and no reset time is known either.
    public mutating func applyRateLimited(_ observation: Observation, now: Date, defaultCooldownMs: Int) {
        apply(observation)
        if observation.retryAfter == nil {
            let resets = [observation.requestsResetAt, observation.tokensResetAt].compactMap { $0 }.filter { $0 > now }
            let until = resets.max() ?? now.addingTimeInterval(Double(defaultCooldownMs) / 1000)
            cooldownUntil = max(cooldownUntil ?? until, until)
        }
    }

    /// Counts a call we are about to make against the last known remaining budget, so workers do
    /// not fire a burst between two responses.
    public mutating func noteCall(estimatedTokens: Int, now: Date) {
        if let remaining = remainingRequests, (requestsResetAt ?? .distantFuture) > now {
            remainingRequests = max(0, remaining - 1)
        }
        if let remaining = remainingTokens, (tokensResetAt ?? .distantFuture) > now {
            remainingTokens = max(0, remaining - estimatedTokens)
        }
    }

    /// When a call of about `estimatedTokens` may go out: nil means now.
    /// Remaining counts whose reset time has passed are stale and ignored.
    public func earliestCall(estimatedTokens: Int, now: Date) -> Date? {
        var earliest: Date?
        func wait(until date: Date) {
            if date > now { earliest = max(earliest ?? date, date) }
        }
        if let cooldownUntil { wait(until: cooldownUntil) }
        if let remaining = remainingRequests, remaining <= 0, let reset = requestsResetAt { wait(until: reset) }
        if let remaining = remainingTokens, remaining < max(1, estimatedTokens), let reset = tokensResetAt {
            wait(until: reset)
        }
        return earliest
    }
}
