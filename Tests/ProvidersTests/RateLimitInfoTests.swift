import Foundation
import Testing

@testable import Providers

@Suite("Rate-limit headers")
struct RateLimitInfoTests {
    @Test(arguments: [
        ("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("0.5s", 0.5), ("1h2m3.5s", 3723.5), ("250us", 0.00025),
        ("2m59.56s", 179.56), ("17", 17.0), ("0s", 0.0),
    ])
    func durations(_ text: String, _ seconds: Double) throws {
        let parsed = try #require(RateLimitInfo.parseDuration(text))
        #expect(abs(parsed - seconds) < 1e-9)
    }

    @Test(arguments: ["", "abc", "5x", "1s2", "-3"])
    func invalidDurations(_ text: String) {
        #expect(RateLimitInfo.parseDuration(text) == nil)
    }

    static let now = Date(timeIntervalSince1970: 1_718_216_500)  // 2024-06-12T18:21:40Z

    @Test(arguments: [
        ("120", 120.0), ("0", 0.0), ("1.5", 1.5), ("Wed, 12 Jun 2024 18:22:10 GMT", 30.0), ("Wed, 12 Jun 2024 18:00:00 GMT", 0.0),
    ])
    func retryAfter(_ value: String, _ seconds: Double) {
        #expect(RateLimitInfo.parseRetryAfter(value, now: Self.now) == seconds)
    }

    @Test(arguments: [
        ("2024-06-12T18:22:04Z", 1_718_216_524.0), ("2024-06-12T18:22:04.250Z", 1_718_216_524.25),
        ("2024-06-12T20:22:04+02:00", 1_718_216_524.0), ("1970-01-01T00:00:00Z", 0.0),
    ])
    func rfc3339(_ text: String, _ epoch: Double) throws {
        let date = try #require(RateLimitInfo.parseRFC3339(text))
        #expect(abs(date.timeIntervalSince1970 - epoch) < 1e-6)
    }

    @Test func openAIHeaders() throws {
        let headers: UpstreamHeaders = [
            "x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999", "x-ratelimit-reset-requests": "6ms",
            "x-ratelimit-limit-tokens": "30000000", "x-ratelimit-remaining-tokens": "29999900", "x-ratelimit-reset-tokens": "0s",
            "content-type": "application/json",
        ]
        let info = try #require(RateLimitInfo.parse(headers, now: Self.now))
        #expect(info.limitRequests == 10000)
        #expect(info.remainingRequests == 9999)
        #expect(info.resetRequests == 0.006)
        #expect(info.limitTokens == 30_000_000)
        #expect(info.remainingTokens == 29_999_900)
        #expect(info.resetTokens == 0)
        #expect(info.retryAfter == nil)
        #expect(info.suggestedDelay == nil)
    }

    @Test func anthropicHeaders() throws {
        let headers = UpstreamHeaders([
            ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2024-06-12T18:22:04Z"),
            ("anthropic-ratelimit-tokens-limit", "100000"), ("anthropic-ratelimit-tokens-remaining", "99000"),
            ("anthropic-ratelimit-tokens-reset", "2024-06-12T18:21:41Z"),
            ("anthropic-ratelimit-input-tokens-limit", "80000"), ("anthropic-ratelimit-input-tokens-remaining", "79000"),
            ("anthropic-ratelimit-input-tokens-reset", "2024-06-12T18:21:42Z"),
            ("anthropic-ratelimit-output-tokens-limit", "16000"), ("anthropic-ratelimit-output-tokens-remaining", "0"),
            ("anthropic-ratelimit-output-tokens-reset", "2024-06-12T18:21:50Z"),
        ])
        let info = try #require(RateLimitInfo.parse(headers, now: Self.now))
        #expect(info.limitRequests == 50)
        #expect(info.remainingRequests == 0)
        #expect(info.resetRequests == 24)
        #expect(info.resetTokens == 1)
        #expect(info.limitInputTokens == 80000)
        #expect(info.resetInputTokens == 2)
        #expect(info.remainingOutputTokens == 0)
        #expect(info.resetOutputTokens == 10)
        // Exhausted buckets: requests (24 s) and output tokens (10 s) → wait for the later one.
        #expect(info.suggestedDelay == 24)
    }

    @Test(arguments: [
        ([("Retry-After", "20")], 20.0),
        ([("retry-after-ms", "1500"), ("retry-after", "2")], 1.5),
        ([("Retry-After", "Wed, 12 Jun 2024 18:21:45 GMT")], 5.0),
    ])
    func retryAfterHeaders(_ pairs: [(String, String)], _ expected: Double) throws {
        let info = try #require(RateLimitInfo.parse(UpstreamHeaders(pairs), now: Self.now))
        #expect(info.retryAfter == expected)
        #expect(info.suggestedDelay == expected)
    }

    @Test func noRateLimitHeadersGiveNil() {
        #expect(RateLimitInfo.parse(["content-type": "application/json", "x-request-id": "abc"]) == nil)
    }
}
