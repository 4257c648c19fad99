import Foundation

/// A deployment's configured RPM/TPM, enforced across all workers before calling so that 429s are
/// avoided rather than reacted to.
///
/// The limits count calls and tokens in fixed windows of ``windowSeconds`` aligned to the Unix
/// clock (every worker computes the same windows; their clocks are assumed NTP-synced). The
/// capacity of a window lives in PostgreSQL (`deployment_state.budget_*`); each worker holds a
/// *lease* — a share of the current window granted atomically, so the grants of all workers
/// together never exceed the limit — and spends it locally without touching the database.
/// Every sync (~100 ms) sends a ``Lease`` request sized by the demand seen since the last one
/// (twice the calls made or turned away, at least a small minimum), gives back what is held beyond
/// that, and takes in what was granted (``applyGrant(_:requests:tokens:requestsLeft:tokensLeft:)``).
/// An allowance expires with its window.
///
/// Tokens are reserved by estimate (prompt + expected completion) and corrected by
/// ``settle(estimatedTokens:actualTokens:reservedAt:)`` once the provider reports usage: an
/// overestimate goes back into the allowance, an underestimate becomes a debt that the next lease
/// covers first. Calls are counted at reservation; a call that is not made after all is given
/// back with ``refund(tokens:reservedAt:)``.
///
/// A deployment without configured limits that answers 429 *learns* the limits its provider
/// reports (`x-ratelimit-limit-*`): from then on they are enforced the same way, per window of
/// ``windowSeconds``, and later responses keep them current (``learn(limitRequests:limitTokens:)``).
public struct RateBudget: Sendable, Hashable {
    /// The limits from config.
    public var configuredRPM: Int?
    public var configuredTPM: Int?
    /// The limits the provider reported, once a 429 showed that they bind.
    public var learnedRPM: Int?
    public var learnedTPM: Int?
    /// The limits in force: configured, else learned.
    public var rpm: Int? { configuredRPM ?? learnedRPM }
    public var tpm: Int? { configuredTPM ?? learnedTPM }
    /// The length of the windows `rpm` and `tpm` count in (60 for per-minute limits).
    public var windowSeconds: Double
    /// The window this worker's allowance belongs to; nil = none held.
    public var windowStart: Date?
    /// Calls this worker may still make in ``windowStart``'s window.
    public var requestsLeft = 0
    /// Tokens this worker may still use in that window; negative is a debt (a call used more than
    /// its estimate).
    public var tokensLeft = 0
    /// What the whole window had left after this worker's last grant (nil = unknown or unlimited):
    /// when nothing is left, a call that lacks an allowance waits for the next window.
    public var sharedRequestsLeft: Int?
    public var sharedTokensLeft: Int?
    /// Calls and tokens asked for since the last lease request (made or turned away).
    public var demandRequests = 0
    public var demandTokens = 0
    /// How soon a call that lacks only an allowance is retried: about one sync.
    public var leaseRetrySeconds = 0.1

    public static let defaultWindowSeconds: Double = 60

    public init(rpm: Int?, tpm: Int?, windowSeconds: Double = RateBudget.defaultWindowSeconds) {
        self.configuredRPM = rpm
        self.configuredTPM = tpm
        self.windowSeconds = windowSeconds
    }

    /// Whether limits the provider reported are in force.
    public var isLearned: Bool { learnedRPM != nil || learnedTPM != nil }

    /// Adopts the limits a response reported (for those not configured).
    /// - Returns: whether the learned limits changed.
    @discardableResult
    public mutating func learn(limitRequests: Int?, limitTokens: Int?) -> Bool {
        let before = (learnedRPM, learnedTPM)
        if configuredRPM == nil, let limit = limitRequests, limit > 0 { learnedRPM = limit }
        if configuredTPM == nil, let limit = limitTokens, limit > 0 { learnedTPM = limit }
        return before != (learnedRPM, learnedTPM)
    }

    /// What one sync asks of the shared window.
    public struct Lease: Sendable, Hashable {
        /// The window asked for.
        public var windowStart: Date
        public var wantRequests: Int
        public var wantTokens: Int
        /// Allowance of this window given back (already removed locally).
        public var returnRequests: Int
        public var returnTokens: Int
        /// The limits in force (configured or learned) that the shared window is capped at.
        public var rpm: Int?
        public var tpm: Int?
    }

    public var isLimited: Bool { rpm != nil || tpm != nil }

    /// The start of the window holding `now`. Computed on the millisecond-rounded clock, as the
    /// usage ledger stores `started_at`, so the ledger can audit windows exactly.
    public func window(at now: Date) -> Date {
        let windowMs = max(1, (windowSeconds * 1_000).rounded())
        let ms = (now.timeIntervalSince1970 * 1_000).rounded()
        return Date(timeIntervalSince1970: (ms / windowMs).rounded(.down) * windowMs / 1_000)
    }

    /// Tokens a call of `estimated` tokens holds: a call larger than the whole TPM takes a whole
    /// window, otherwise it could never run.
    func tokensHeld(for estimated: Int) -> Int {
        let tokens = max(0, estimated)
        return tpm.map { min(tokens, $0) } ?? tokens
    }

    /// When a call of `estimated` tokens may go out: nil means now.
    public func earliestCall(tokens estimated: Int, now: Date) -> Date? {
        guard isLimited else { return nil }
        let current = window(at: now)
        let held = windowStart == current
        let need = tokensHeld(for: estimated)
        let requestsShort = rpm != nil && !(held && requestsLeft >= 1)
        let tokensShort = tpm != nil && !(held && tokensLeft >= max(1, need))
        guard requestsShort || tokensShort else { return nil }
        let windowEnd = current.addingTimeInterval(windowSeconds)
        // Known spent for the whole window: wait for the next one. Else a lease is about one sync away.
        let requestsSpent = requestsShort && held && (sharedRequestsLeft ?? 1) <= 0
        let tokensSpent = tokensShort && held && (sharedTokensLeft ?? Int.max) < need - max(0, tokensLeft)
        if requestsSpent || tokensSpent { return windowEnd }
        return min(windowEnd, now.addingTimeInterval(leaseRetrySeconds))
    }

    /// Counts a call of `estimated` tokens against the allowance when it fits now.
    /// - Returns: whether it fit (when not, the demand is noted and nothing else changes).
    public mutating func reserve(tokens estimated: Int, now: Date) -> Bool {
        guard isLimited else { return true }
        if earliestCall(tokens: estimated, now: now) != nil {
            noteTurnedAway(tokens: estimated)
            return false
        }
        demandRequests += 1
        demandTokens += tokensHeld(for: estimated)
        if rpm != nil { requestsLeft -= 1 }
        if tpm != nil { tokensLeft -= tokensHeld(for: estimated) }
        return true
    }

    /// A call that routing turned away for want of an allowance: sizes the next lease.
    public mutating func noteTurnedAway(tokens estimated: Int) {
        guard isLimited else { return }
        demandRequests += 1
        demandTokens += tokensHeld(for: estimated)
    }

    /// Gives back a reservation made at `reservedAt` for a call that was not made.
    public mutating func refund(tokens estimated: Int, reservedAt: Date) {
        guard isLimited, windowStart == window(at: reservedAt) else { return }
        if rpm != nil { requestsLeft += 1 }
        if tpm != nil { tokensLeft += tokensHeld(for: estimated) }
    }

    /// Corrects a reservation once the provider reported the tokens the call used.
    public mutating func settle(estimatedTokens: Int, actualTokens: Int, reservedAt: Date) {
        guard tpm != nil, windowStart == window(at: reservedAt) else { return }
        tokensLeft += tokensHeld(for: estimatedTokens) - max(0, actualTokens)
    }

    /// The lease to ask for at a sync, or nil when the deployment has no limits. Moves to the
    /// current window (dropping an expired allowance), gives back what is held beyond the target,
    /// and restarts the demand count.
    public mutating func leaseRequest(now: Date) -> Lease? {
        guard isLimited else { return nil }
        let current = window(at: now)
        if windowStart != current {
            windowStart = current
            requestsLeft = 0
            tokensLeft = 0
            sharedRequestsLeft = nil
            sharedTokensLeft = nil
        }
        func split(limit: Int?, left: inout Int, demand: Int) -> (want: Int, give: Int) {
            guard let limit else { return (0, 0) }
            let target = min(limit, max(max(1, limit / 100), 2 * demand))
            if left < target { return (target - left, 0) }
            let give = left - target
            left = target
            return (0, give)
        }
        let requests = split(limit: rpm, left: &requestsLeft, demand: demandRequests)
        let tokens = split(limit: tpm, left: &tokensLeft, demand: demandTokens)
        demandRequests = 0
        demandTokens = 0
        return Lease(
            windowStart: current, wantRequests: requests.want, wantTokens: tokens.want, returnRequests: requests.give,
            returnTokens: tokens.give, rpm: rpm, tpm: tpm)
    }

    /// Adds what the shared window granted for `window` (ignored when that window is over).
    public mutating func applyGrant(_ window: Date, requests: Int, tokens: Int, requestsLeft shared: Int?, tokensLeft sharedTokens: Int?) {
        guard windowStart == window else { return }
        requestsLeft += requests
        tokensLeft += tokens
        sharedRequestsLeft = shared
        sharedTokensLeft = sharedTokens
    }
}
