import Foundation

/// The breaker state machine of one deployment, pure and time-injected.
///
/// ```
/// closed ──(N failures in a row, or failure ratio over the window)──► open
/// open ──(reset timeout passed; first caller takes the probe)──► half_open
/// half_open ──(probe succeeds)──► closed      half_open ──(probe fails)──► open
/// ```
/// Half-open lets exactly one call through: the probe holder is recorded in the state, so when the
/// state is shared through PostgreSQL only one worker probes. A probe whose holder vanished expires
/// after `probeTimeoutMs` and can be taken by another caller.
///
/// Shared through PostgreSQL, the probe must be taken atomically: one conditional UPDATE that
/// sets `state = 'half_open', probe_holder, probe_expires_at` only where the row is `open` past
/// `open_until` or `half_open` with no live probe, and returns whether it matched. This type
/// gives the same answers locally and is what the worker's cached copy runs.
///
/// Only failures that say something about the deployment's health should be recorded
/// (``AttemptFailure/countsAgainstBreaker``); results of calls that were not admitted through
/// ``acquire(holder:now:)`` in the current phase are ignored while open or half-open.
public struct CircuitBreaker: Sendable, Hashable {
    /// What a caller may do now.
    public enum Admission: Sendable, Hashable {
        /// Closed: call normally.
        case allowed
        /// Half-open and the caller holds the single probe: call, then record the outcome.
        case probe
        /// Open, or another caller holds the probe: try again at `retryAt` at the earliest.
        case rejected(retryAt: Date)

        public var permitsCall: Bool {
            if case .rejected = self { return false }
            return true
        }
    }

    public var policy: CircuitBreakerPolicy
    public var state: CircuitBreakerState

    public init(policy: CircuitBreakerPolicy = CircuitBreakerPolicy(), state: CircuitBreakerState = .closed) {
        self.policy = policy
        self.state = state
    }

    /// What ``acquire(holder:now:)`` would answer, without taking the probe (routing uses this).
    public func peek(holder: String, now: Date) -> Admission {
        var copy = self
        return copy.acquire(holder: holder, now: now)
    }

    /// Admits a call, taking the half-open probe when it is free.
    public mutating func acquire(holder: String, now: Date) -> Admission {
        switch state.state {
        case .closed:
            return .allowed
        case .open:
            let until = state.openUntil ?? now
            guard now >= until else { return .rejected(retryAt: until) }
            takeProbe(holder: holder, now: now)
            return .probe
        case .halfOpen:
            if let current = state.probeHolder, current != holder, let expires = state.probeExpiresAt, expires > now {
                return .rejected(retryAt: expires)
            }
            takeProbe(holder: holder, now: now)
            return .probe
        }
    }

    /// Records a successful call. The probe's success closes the breaker.
    public mutating func recordSuccess(holder: String, now: Date) {
        switch state.state {
        case .closed:
            rollWindow(now: now)
            state.consecutiveFailures = 0
            state.windowSuccesses += 1
        case .halfOpen where state.probeHolder == holder:
            state = CircuitBreakerState(state: .closed, windowStartedAt: now)
        case .halfOpen, .open:
            break
        }
    }

    /// Records a failed call. Trips a closed breaker past the thresholds; the probe's failure re-opens it.
    public mutating func recordFailure(holder: String, now: Date) {
        switch state.state {
        case .closed:
            rollWindow(now: now)
            state.consecutiveFailures += 1
            state.windowFailures += 1
            let total = state.windowFailures + state.windowSuccesses
            let ratioTripped =
                total >= policy.minimumRequests && Double(state.windowFailures) / Double(total) >= policy.failureRatio
            if state.consecutiveFailures >= policy.consecutiveFailures || ratioTripped {
                open(now: now)
            }
        case .halfOpen where state.probeHolder == holder:
            state.consecutiveFailures += 1
            open(now: now)
        case .halfOpen, .open:
            break
        }
    }

    /// Gives the probe back without an outcome (the job was cancelled before calling).
    public mutating func releaseProbe(holder: String) {
        guard state.state == .halfOpen, state.probeHolder == holder else { return }
        state.probeHolder = nil
        state.probeExpiresAt = nil
    }

    private mutating func open(now: Date) {
        state.state = .open
        state.openUntil = now.addingTimeInterval(Double(policy.resetTimeoutMs) / 1000)
        state.probeHolder = nil
        state.probeExpiresAt = nil
        state.windowStartedAt = nil
        state.windowSuccesses = 0
        state.windowFailures = 0
    }

    private mutating func takeProbe(holder: String, now: Date) {
        state.state = .halfOpen
        state.probeHolder = holder
        state.probeExpiresAt = now.addingTimeInterval(Double(policy.probeTimeoutMs) / 1000)
    }

    private mutating func rollWindow(now: Date) {
        if let start = state.windowStartedAt, now.timeIntervalSince(start) * 1000 < Double(policy.windowMs) { return }
        state.windowStartedAt = now
        state.windowSuccesses = 0
        state.windowFailures = 0
    }
}
