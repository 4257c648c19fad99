#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rate-limit response headers as the real APIs send them, on successes and on 429s.
public enum MockRateLimitHeaders {
    /// The headers for `decision` in `format` at Unix time `now`.
    ///
    /// - OpenAI, Azure (and Mistral, DeepSeek): `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`
    ///   with Go-style durations (`1s`, `6m0s`, `20ms`); on 429 `retry-after` (whole seconds) and `retry-after-ms`.
    /// - Anthropic: `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` with RFC 3339 resets;
    ///   on 429 `retry-after`.
    /// - Gemini sends no rate-limit headers; its 429 body carries a `RetryInfo` delay.
    public static func headers(_ decision: MockRateLimiter.Decision, format: MockWireFormat, now: Double) -> [(String, String)] {
        var headers: [(String, String)] = []
        switch format {
        case .openAI, .azure:
            for (name, budget) in [("requests", decision.requests), ("tokens", decision.tokens)] {
                guard let budget else { continue }
                headers.append(("x-ratelimit-limit-\(name)", String(budget.limit)))
                headers.append(("x-ratelimit-remaining-\(name)", String(budget.remaining)))
                headers.append(("x-ratelimit-reset-\(name)", goDuration(budget.resetSeconds)))
            }
            if let retry = decision.retryAfterSeconds, !decision.admitted {
                headers.append(("retry-after", String(retrySeconds(retry))))
                headers.append(("retry-after-ms", String(Int((retry * 1000).rounded(.up)))))
            }
        case .anthropic:
            for (name, budget) in [("requests", decision.requests), ("tokens", decision.tokens)] {
                guard let budget else { continue }
                headers.append(("anthropic-ratelimit-\(name)-limit", String(budget.limit)))
                headers.append(("anthropic-ratelimit-\(name)-remaining", String(budget.remaining)))
                headers.append(("anthropic-ratelimit-\(name)-reset", rfc3339(now + budget.resetSeconds)))
            }
            if let retry = decision.retryAfterSeconds, !decision.admitted {
                headers.append(("retry-after", String(retrySeconds(retry))))
            }
        case .gemini:
            break
        }
        return headers
    }

    /// Whole seconds for `retry-after`: rounded up, at least 1.
    static func retrySeconds(_ seconds: Double) -> Int {
        max(1, Int(seconds.rounded(.up)))
    }

    /// A duration as Go's `time.Duration.String()` prints it at millisecond precision: `0s`, `20ms`,
    /// `1s`, `1.5s`, `6m0s`, `1h2m3s`.
    public static func goDuration(_ seconds: Double) -> String {
        let totalMs = Int((max(0, seconds) * 1000).rounded())
        if totalMs == 0 { return "0s" }
        if totalMs < 1000 { return "\(totalMs)ms" }
        let hours = totalMs / 3_600_000
        let minutes = totalMs / 60_000 % 60
        let ms = totalMs % 60_000
        var secondsText = String(ms / 1000)
        if ms % 1000 != 0 {
            var fraction = String(ms % 1000)
            fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            secondsText += "." + fraction
        }
        secondsText += "s"
        if hours > 0 { return "\(hours)h\(minutes)m" + secondsText }
        if minutes > 0 { return "\(minutes)m" + secondsText }
        return secondsText
    }

    /// Unix time as RFC 3339 UTC with whole seconds (rounded up), e.g. `2026-11-22T03:04:05Z`.
    public static func rfc3339(_ unixSeconds: Double) -> String {
        var time = time_t(unixSeconds.rounded(.up))
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
