import Foundation
import Testing

import Gateway

@Suite("Rate limits: provider headers, cooldowns, local RPM/TPM budget, backoff, failover criteria")
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

    @Test func localRPMBudget() {
        var budget = RateBudget(rpm: 3, tpm: nil)
        for i in 0..<3 { #expect(budget.reserve(tokens: 10, now: later(Double(i))) == nil) }
        #expect(budget.reserve(tokens: 10, now: later(5)) == later(60))
        #expect(budget.earliestCall(tokens: 10, now: later(59)) == later(60))
        #expect(budget.reserve(tokens: 10, now: later(60)) == nil)
        #expect(budget.requests == 1)
    }

    @Test func localTPMBudgetWithAdjustment() {
        var budget = RateBudget(rpm: nil, tpm: 1_000)
        #expect(budget.reserve(tokens: 600, now: now) == nil)
        #expect(budget.reserve(tokens: 600, now: later(1)) == later(60))
        budget.adjust(tokensBy: -300, now: later(2))  // the call used 300, not 600
        #expect(budget.reserve(tokens: 600, now: later(3)) == nil)
        #expect(budget.tokens == 900)
    }

    @Test func aCallLargerThanTheWholeTPMFitsAnEmptyWindow() {
        var budget = RateBudget(rpm: nil, tpm: 1_000)
        #expect(budget.reserve(tokens: 5_000, now: now) == nil)
        #expect(budget.reserve(tokens: 1, now: later(1)) == later(60))
    }

    @Test func unlimitedBudgetNeverWaits() {
        var budget = RateBudget(rpm: nil, tpm: nil)
        for _ in 0..<1_000 { #expect(budget.reserve(tokens: 1_000_000, now: now) == nil) }
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
