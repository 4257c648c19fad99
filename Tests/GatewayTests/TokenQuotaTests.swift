import Gateway
import Providers
import Testing

@Suite struct TokenQuotaTests {
    static let usage = TokenQuota.Usage(minuteTokens: 900, dayTokens: 9_000, secondsToMinuteEnd: 12.5, secondsToDayEnd: 3_600)

    struct Case: Sendable, CustomTestStringConvertible {
        var quota: TokenQuota
        var requested: Int
        var admitted: Bool
        var window: TokenQuota.Window
        var remaining: Int
        var reset: Double
        var testDescription: String { "tpm=\(quota.perMinute ?? -1) tpd=\(quota.perDay ?? -1) requested=\(requested)" }
    }

    @Test(arguments: [
        // Fits the minute: remaining is what is left after this request.
        Case(quota: TokenQuota(perMinute: 1_000), requested: 100, admitted: true, window: .minute, remaining: 0, reset: 12.5),
        Case(quota: TokenQuota(perMinute: 1_000), requested: 101, admitted: false, window: .minute, remaining: 100, reset: 12.5),
        Case(quota: TokenQuota(perDay: 10_000), requested: 1_000, admitted: true, window: .day, remaining: 0, reset: 3_600),
        Case(quota: TokenQuota(perDay: 10_000), requested: 1_001, admitted: false, window: .day, remaining: 1_000, reset: 3_600),
        // Both limited and both fit: the headers name the window with fewer tokens left.
        Case(quota: TokenQuota(perMinute: 2_000, perDay: 10_000), requested: 10, admitted: true, window: .day, remaining: 990, reset: 3_600),
        Case(quota: TokenQuota(perMinute: 1_000, perDay: 100_000), requested: 10, admitted: true, window: .minute, remaining: 90, reset: 12.5),
        // Only the minute refuses.
        Case(quota: TokenQuota(perMinute: 1_000, perDay: 100_000), requested: 500, admitted: false, window: .minute, remaining: 100, reset: 12.5),
        // Both refuse: the one that stays closed longer, so Retry-After is not too early.
        Case(quota: TokenQuota(perMinute: 1_000, perDay: 9_100), requested: 500, admitted: false, window: .day, remaining: 100, reset: 3_600),
    ])
    func decide(_ example: Case) throws {
        let decision = try #require(example.quota.decide(requested: example.requested, usage: Self.usage))
        #expect(decision.admitted == example.admitted)
        #expect(decision.window == example.window)
        #expect(decision.remaining == example.remaining)
        #expect(decision.resetSeconds == example.reset)
    }

    @Test func unlimitedDecidesNothing() {
        #expect(TokenQuota().isUnlimited)
        #expect(TokenQuota().decide(requested: 1, usage: Self.usage) == nil)
    }

    @Test func aRequestOverTheWholeLimitNeverFits() throws {
        let decision = try #require(TokenQuota(perMinute: 100).decide(
            requested: 101, usage: TokenQuota.Usage(minuteTokens: 0, dayTokens: 0, secondsToMinuteEnd: 0.2, secondsToDayEnd: 1)))
        #expect(!decision.admitted && decision.neverFits)
        #expect(decision.retryAfterSeconds == 1)
    }

    @Test func theEstimateIsThePromptPlusTheOutputLimitPerChoice() throws {
        let request = try ChatRequest(json: try JSONValue.parse(
            #"{"model":"m","messages":[{"role":"user","content":"twelve chars"}],"max_tokens":40,"n":2}"#))
        let prompt = TokenEstimator.promptTokens(request: request.json)
        #expect(prompt == 3 + 4 + 3)
        #expect(TokenEstimator.quotaTokens(for: request, defaultCompletionTokens: 256) == prompt + 80)
        var unbounded = request
        unbounded.maxTokens = nil
        unbounded.n = nil
        #expect(TokenEstimator.quotaTokens(for: unbounded, defaultCompletionTokens: 256) == prompt + 256)
        unbounded.maxCompletionTokens = 7
        #expect(TokenEstimator.quotaTokens(for: unbounded, defaultCompletionTokens: 256) == prompt + 7)
    }
}
