import Testing
@testable import MockProvider

@Suite("Mock provider rate limits")
struct MockRateLimiterTests {
    @Test func slidingWindowCountsTheLastMinute() {
        var limiter = MockRateLimiter(requestLimit: 3, tokenLimit: nil, window: .sliding, windowSeconds: 60)
        let t0 = 1_000_000.0
        #expect(limiter.admit(tokens: 10, now: t0).requests == .init(limit: 3, remaining: 2, resetSeconds: 60))
        #expect(limiter.admit(tokens: 10, now: t0 + 10).requests?.remaining == 1)
        let third = limiter.admit(tokens: 10, now: t0 + 20)
        #expect(third.admitted && third.requests?.remaining == 0)
        #expect(abs((third.requests?.resetSeconds ?? 0) - 60) < 0.001, "whole again when the newest request leaves the window")
        let rejected = limiter.admit(tokens: 10, now: t0 + 30)
        #expect(!rejected.admitted && !rejected.limitedOnTokens)
        #expect(abs((rejected.retryAfterSeconds ?? 0) - 30) < 0.001, "the oldest request leaves at t0+60")
        #expect(rejected.requests?.remaining == 0)
        #expect(limiter.admit(tokens: 10, now: t0 + 59.9).admitted == false)
        let later = limiter.admit(tokens: 10, now: t0 + 60.05)
        #expect(later.admitted, "the first request has left the window")
        #expect(later.requests?.remaining == 0)
        #expect(limiter.admit(tokens: 10, now: t0 + 200).requests?.remaining == 2, "a quiet window forgets everything")
    }

    @Test func slidingTokenLimit() {
        var limiter = MockRateLimiter(requestLimit: nil, tokenLimit: 100, window: .sliding, windowSeconds: 10)
        let t0 = 500.0
        #expect(limiter.admit(tokens: 60, now: t0).tokens?.remaining == 40)
        #expect(limiter.admit(tokens: 30, now: t0 + 2).tokens?.remaining == 10)
        let rejected = limiter.admit(tokens: 50, now: t0 + 3)
        #expect(!rejected.admitted && rejected.limitedOnTokens)
        #expect(abs((rejected.retryAfterSeconds ?? 0) - 7) < 0.001, "60 tokens free up at t0+10, enough for 50")
        #expect(rejected.requests == nil)
        let tooBig = limiter.admit(tokens: 101, now: t0 + 3)
        #expect(!tooBig.admitted && tooBig.retryAfterSeconds == 10)
        #expect(limiter.admit(tokens: 50, now: t0 + 10.01).admitted)
    }

    @Test func fixedWindowResetsAtTheBoundary() {
        var limiter = MockRateLimiter(requestLimit: 2, tokenLimit: 1000, window: .fixed, windowSeconds: 60)
        let t0 = 6_000.0 + 45  // 45 s into an aligned minute
        let first = limiter.admit(tokens: 100, now: t0)
        #expect(first.requests == .init(limit: 2, remaining: 1, resetSeconds: 15))
        #expect(first.tokens == .init(limit: 1000, remaining: 900, resetSeconds: 15))
        #expect(limiter.admit(tokens: 100, now: t0 + 1).admitted)
        let rejected = limiter.admit(tokens: 100, now: t0 + 5)
        #expect(!rejected.admitted && rejected.retryAfterSeconds == 10)
        let next = limiter.admit(tokens: 100, now: t0 + 15)
        #expect(next.admitted && next.requests?.remaining == 1 && next.requests?.resetSeconds == 60)
    }

    @Test func unlimitedAdmitsWithoutBudgets() {
        var limiter = MockRateLimiter(requestLimit: nil, tokenLimit: nil)
        let decision = limiter.admit(tokens: 1_000_000, now: 0)
        #expect(decision.admitted && decision.requests == nil && decision.tokens == nil)
    }

    @Test(arguments: [
        (0.0, "0s"), (0.02, "20ms"), (0.999, "999ms"), (1, "1s"), (1.5, "1.5s"), (8.64, "8.64s"),
        (59.001, "59.001s"), (60, "1m0s"), (360, "6m0s"), (61.25, "1m1.25s"), (3723, "1h2m3s"),
    ])
    func goDurations(seconds: Double, text: String) {
        #expect(MockRateLimitHeaders.goDuration(seconds) == text)
    }

    @Test func rfc3339() {
        #expect(MockRateLimitHeaders.rfc3339(0) == "1970-01-01T00:00:00Z")
        #expect(MockRateLimitHeaders.rfc3339(1_700_000_000.2) == "2023-11-14T22:13:21Z")
    }

    static let rejected = MockRateLimiter.Decision(
        admitted: false, requests: .init(limit: 60, remaining: 0, resetSeconds: 20.5),
        tokens: .init(limit: 1000, remaining: 400, resetSeconds: 360), retryAfterSeconds: 20.5)

    @Test func openAIHeaders() {
        let headers = Dictionary(uniqueKeysWithValues: MockRateLimitHeaders.headers(Self.rejected, format: .openAI, now: 0))
        #expect(headers == [
            "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20.5s",
            "x-ratelimit-limit-tokens": "1000", "x-ratelimit-remaining-tokens": "400", "x-ratelimit-reset-tokens": "6m0s",
            "retry-after": "21", "retry-after-ms": "20500",
        ])
        var admitted = Self.rejected
        admitted.admitted = true
        admitted.retryAfterSeconds = nil
        let success = MockRateLimitHeaders.headers(admitted, format: .azure, now: 0).map(\.0)
        #expect(!success.contains("retry-after") && success.contains("x-ratelimit-remaining-requests"))
    }

    @Test func anthropicHeaders() {
        let headers = Dictionary(uniqueKeysWithValues: MockRateLimitHeaders.headers(Self.rejected, format: .anthropic, now: 1_700_000_000))
        #expect(headers == [
            "anthropic-ratelimit-requests-limit": "60", "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": "2023-11-14T22:13:41Z",
            "anthropic-ratelimit-tokens-limit": "1000", "anthropic-ratelimit-tokens-remaining": "400",
            "anthropic-ratelimit-tokens-reset": "2023-11-14T22:19:20Z",
            "retry-after": "21",
        ])
        #expect(MockRateLimitHeaders.headers(Self.rejected, format: .gemini, now: 0).isEmpty)
    }
}
