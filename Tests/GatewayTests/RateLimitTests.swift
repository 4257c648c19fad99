import Foundation
import Testing

import Gateway

@Suite("Rate limits: provider headers, cooldowns, leased RPM/TPM budget, backoff, failover criteria")
struct RateLimitTests {
    let now = Fixtures.now

    func later(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }

    @Test func retryAfterSetsACooldown() {
        var state = RateLimitState()
        state.applyRateLimited(.init(retryAfter: later(7)), now: now, defaultCooldownMs: 10_000)
        #expect(state.cooldownUntil == later(7))
        #expect(state.earliestCall(estimatedTokens: 10, now: now) == later(7))
        #expect(state.earliestCall(estimatedTokens: 10, now: later(7)) == nil)
    }

    @Test func a429WithoutRetryAfterUsesTheResetTimeOrTheDefault() {
        var withReset = RateLimitState()
        withReset.applyRateLimited(
            .init(remainingRequests: 0, requestsResetAt: later(3)), now: now, defaultCooldownMs: 10_000)
        #expect(withReset.cooldownUntil == later(3))
        var bare = RateLimitState()
        bare.applyRateLimited(.init(), now: now, defaultCooldownMs: 10_000)
        #expect(bare.cooldownUntil == later(10))
    }

    @Test func observationsFromRelativeSeconds() {
        let observation = RateLimitState.Observation(
            now: now, remainingRequests: 0, resetRequestsAfter: 1.5, remainingTokens: nil, resetTokensAfter: nil,
            retryAfter: 2)
        #expect(observation.requestsResetAt == later(1.5))
        #expect(observation.retryAfter == later(2))
        #expect(observation.tokensResetAt == nil)
    }

    @Test func aCooldownNeverShrinks() {
        var state = RateLimitState()
        state.apply(.init(retryAfter: later(30)))
        state.apply(.init(retryAfter: later(5)))
        #expect(state.cooldownUntil == later(30))
    }

    @Test func exhaustedRemainingWaitsForTheReset() {
        var state = RateLimitState()
        state.apply(.init(remainingRequests: 0, remainingTokens: 5_000, requestsResetAt: later(2), tokensResetAt: later(9)))
        #expect(state.earliestCall(estimatedTokens: 100, now: now) == later(2))
        state.apply(.init(remainingRequests: 10, remainingTokens: 50, requestsResetAt: later(2), tokensResetAt: later(9)))
        #expect(state.earliestCall(estimatedTokens: 100, now: now) == later(9))
        #expect(state.earliestCall(estimatedTokens: 40, now: now) == nil)
        // After the reset the remaining counts are stale: callable.
        #expect(state.earliestCall(estimatedTokens: 100, now: later(9)) == nil)
    }

    @Test func callsCountDownTheLastKnownRemaining() {
        var state = RateLimitState()
        state.apply(.init(remainingRequests: 2, requestsResetAt: later(60)))
        state.noteCall(estimatedTokens: 10, now: now)
        #expect(state.earliestCall(estimatedTokens: 10, now: now) == nil)
        state.noteCall(estimatedTokens: 10, now: now)
        #expect(state.earliestCall(estimatedTokens: 10, now: now) == later(60))
    }

    /// A budget holding a lease of `requests` / `tokens` for the window of `at`, with what the
    /// shared window has left after it.
    func leased(rpm: Int?, tpm: Int?, requests: Int, tokens: Int, sharedRequests: Int? = nil, sharedTokens: Int? = nil)
        -> RateBudget
    {
        var budget = RateBudget(rpm: rpm, tpm: tpm)
        let lease = budget.leaseRequest(now: now)
        budget.applyGrant(lease!.windowStart, requests: requests, tokens: tokens, requestsLeft: sharedRequests, tokensLeft: sharedTokens)
        return budget
    }

    /// Reservations of `tokens` each at `at` until one does not fit: how many did.
    func reservations(_ budget: inout RateBudget, tokens: Int, at: Date, upTo limit: Int = 10_000) -> Int {
        var count = 0
        while count < limit, budget.reserve(tokens: tokens, now: at) { count += 1 }
        return count
    }

    @Test func withoutALeaseNoCallGoesOutAndTheDemandIsCounted() {
        var budget = RateBudget(rpm: 3, tpm: nil)
        #expect(budget.earliestCall(tokens: 10, now: now) == later(0.1))
        #expect(reservations(&budget, tokens: 10, at: now) == 0)
        budget.noteTurnedAway(tokens: 10)
        #expect(budget.demandRequests == 2)
        let lease = budget.leaseRequest(now: now)
        #expect(lease?.windowStart == now && lease?.wantRequests == 3 && lease?.wantTokens == 0)
        #expect(lease?.returnRequests == 0 && lease?.returnTokens == 0)
        #expect(budget.demandRequests == 0)
    }

    @Test func aLeaseIsSpentLocallyAndExpiresWithItsWindow() {
        var budget = leased(rpm: 3, tpm: nil, requests: 3, tokens: 0, sharedRequests: 5)
        #expect(reservations(&budget, tokens: 10, at: later(1)) == 3)
        // The lease is spent but the window is not: the next lease is about one sync away.
        #expect(budget.earliestCall(tokens: 10, now: later(5)) == later(5.1))
        // The whole window is spent: wait for the next one.
        budget.sharedRequestsLeft = 0
        #expect(budget.earliestCall(tokens: 10, now: later(59)) == later(60))
        // A new window: the old allowance is gone.
        budget.requestsLeft = 2
        #expect(budget.earliestCall(tokens: 10, now: later(60)) == later(60.1))
        let lease = budget.leaseRequest(now: later(60))
        #expect(lease?.windowStart == later(60) && lease?.returnRequests == 0)
        #expect(budget.requestsLeft == 0)
    }

    @Test func whatIsHeldBeyondTheDemandIsGivenBack() {
        var budget = leased(rpm: 1_000, tpm: nil, requests: 100, tokens: 0)
        #expect(reservations(&budget, tokens: 1, at: now, upTo: 20) == 20)
        let lease = budget.leaseRequest(now: later(0.1))
        // Target: twice the 20 calls of the last interval; 80 held, 40 given back.
        #expect(lease?.wantRequests == 0 && lease?.returnRequests == 40)
        #expect(budget.requestsLeft == 40)
        // Idle: a worker keeps 1% of the limit.
        let idle = budget.leaseRequest(now: later(0.2))
        #expect(idle?.returnRequests == 30)
        #expect(budget.requestsLeft == 10)
    }

    @Test func tokensAreReservedByEstimateAndSettledByUsage() {
        var budget = leased(rpm: nil, tpm: 1_000, requests: 0, tokens: 1_000)
        #expect(reservations(&budget, tokens: 600, at: now) == 1)
        budget.settle(estimatedTokens: 600, actualTokens: 300, reservedAt: now)  // the call used 300, not 600
        #expect(reservations(&budget, tokens: 600, at: later(3)) == 1)
        #expect(budget.tokensLeft == 100)
        // An underestimate is a debt the next lease covers first.
        budget.settle(estimatedTokens: 600, actualTokens: 900, reservedAt: later(3))
        #expect(budget.tokensLeft == -200)
        let lease = budget.leaseRequest(now: later(4))
        #expect(lease?.wantTokens == 1_000 + 200)
    }

    @Test func aRefundGivesTheReservationBack() {
        var budget = leased(rpm: 2, tpm: 100, requests: 1, tokens: 100)
        #expect(reservations(&budget, tokens: 60, at: now) == 1)
        budget.refund(tokens: 60, reservedAt: now)
        #expect(budget.requestsLeft == 1 && budget.tokensLeft == 100)
        // A refund for a window that is over changes nothing.
        budget.refund(tokens: 60, reservedAt: later(-1))
        #expect(budget.requestsLeft == 1)
    }

    @Test func aCallLargerThanTheWholeTPMTakesAWholeWindow() {
        var half = leased(rpm: nil, tpm: 1_000, requests: 0, tokens: 500, sharedTokens: 500)
        #expect(half.earliestCall(tokens: 5_000, now: now) == later(0.1))
        #expect(reservations(&half, tokens: 5_000, at: now) == 0)
        var whole = leased(rpm: nil, tpm: 1_000, requests: 0, tokens: 1_000, sharedTokens: 0)
        #expect(reservations(&whole, tokens: 5_000, at: now) == 1)
        #expect(whole.earliestCall(tokens: 1, now: later(1)) == later(60))
    }

    @Test func unlimitedBudgetNeverWaitsNorLeases() {
        var budget = RateBudget(rpm: nil, tpm: nil)
        #expect(reservations(&budget, tokens: 1_000_000, at: now, upTo: 1_000) == 1_000)
        let lease = budget.leaseRequest(now: now)
        #expect(lease == nil)
    }

    @Test(arguments: [(0.0, 0.0), (59.999, 0.0), (59.9996, 60.0), (60.0, 60.0), (61.5, 60.0)])
    func windowsAreAlignedToTheMillisecondClock(offset: Double, start: Double) {
        #expect(RateBudget(rpm: 1, tpm: nil).window(at: later(offset)) == later(start))
        #expect(RateBudget(rpm: 1, tpm: nil, windowSeconds: 0.25).window(at: later(0.6)) == later(0.5))
    }

    @Test(arguments: 1...12)
    func backoffGrowsWithJitterWithinBounds(attempt: Int) {
        let backoff = Backoff(baseMs: 100, maxMs: 10_000)
        let ceiling = min(10_000, 100 << (attempt - 1))
        #expect(backoff.ceilingMs(attempt: attempt) == ceiling)
        var generator = SeededRandomNumberGenerator(seed: UInt64(attempt))
        for _ in 0..<200 {
            let delay = backoff.delayMs(attempt: attempt, using: &generator)
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test func backoffIsReproducibleWithASeedAndSpreadOtherwise() {
        let backoff = Backoff(baseMs: 1_000, maxMs: 60_000)
        var a = SeededRandomNumberGenerator(seed: 9)
        var b = SeededRandomNumberGenerator(seed: 9)
        let first = (1...8).map { backoff.delayMs(attempt: $0, using: &a) }
        #expect(first == (1...8).map { backoff.delayMs(attempt: $0, using: &b) })
        var c = SeededRandomNumberGenerator(seed: 10)
        let spread = Set((0..<50).map { _ in backoff.delayMs(attempt: 5, using: &c) })
        #expect(spread.count > 40)
        #expect(backoff.ceilingMs(attempt: 1_000) == 60_000)
    }

    @Test(arguments: [
        (AttemptFailure.network, true), (.timeout, true), (.http(status: 429), true), (.http(status: 500), true),
        (.http(status: 503), true), (.http(status: 529), true), (.contextLengthExceeded, true),
        (.http(status: 400), false), (.http(status: 401), false), (.http(status: 404), false),
    ])
    func defaultFailoverCriteria(failure: AttemptFailure, failsOver: Bool) {
        #expect(FailoverPolicy.default.shouldFailOver(after: failure) == failsOver)
    }

    @Test func configuredFailoverCriteria() {
        let policy = FailoverPolicy(criteria: [.timeout, .http529], statuses: [503])
        #expect(policy.shouldFailOver(after: .timeout))
        #expect(!policy.shouldFailOver(after: .network))
        #expect(policy.shouldFailOver(after: .http(status: 503)))
        #expect(!policy.shouldFailOver(after: .http(status: 500)))
        #expect(policy.shouldFailOver(after: .http(status: 529)))
        #expect(!policy.shouldFailOver(after: .http(status: 429)))
        #expect(policy.configValues == ["529", "timeout", "503"])
    }

    @Test func latencyEWMA() {
        var ewma = LatencyEWMA()
        #expect(ewma.milliseconds == nil)
        ewma.record(100)
        ewma.record(200, alpha: 0.5)
        #expect(ewma.milliseconds == 150)
        #expect(ewma.samples == 2)
    }
}
