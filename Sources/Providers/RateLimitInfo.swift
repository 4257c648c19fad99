import Foundation

/// Rate-limit state a provider reported in response headers.
///
/// Resets are seconds from the moment the response arrived, whatever form the provider used
/// (OpenAI durations such as `6m0s`, Anthropic RFC 3339 times), so callers add them to their clock.
public struct RateLimitInfo: Sendable, Equatable, Hashable {
    public var limitRequests: Int?
    public var remainingRequests: Int?
    public var resetRequests: Double?
    public var limitTokens: Int?
    public var remainingTokens: Int?
    public var resetTokens: Double?
    /// Anthropic reports input and output token buckets apart.
    public var limitInputTokens: Int?
    public var remainingInputTokens: Int?
    public var resetInputTokens: Double?
    public var limitOutputTokens: Int?
    public var remainingOutputTokens: Int?
    public var resetOutputTokens: Double?
    /// From `retry-after-ms` (preferred, finer) or `Retry-After` (seconds or an HTTP date).
    public var retryAfter: Double?

    public init() {}

    public var isEmpty: Bool { self == RateLimitInfo() }

    /// How long to wait before the next call: `retryAfter`, else the latest reset among exhausted buckets.
    public var suggestedDelay: Double? {
        if let retryAfter { return retryAfter }
        var delay: Double?
        for (remaining, reset) in [
            (remainingRequests, resetRequests), (remainingTokens, resetTokens),
            (remainingInputTokens, resetInputTokens), (remainingOutputTokens, resetOutputTokens),
        ] {
            if let remaining, remaining <= 0, let reset { delay = max(delay ?? 0, reset) }
        }
        return delay
    }

    /// Reads OpenAI/Azure `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`, `retry-after-ms` and `Retry-After`.
    /// - Returns: nil when the response carried none of them.
    public static func parse(_ headers: UpstreamHeaders, now: Date = Date()) -> RateLimitInfo? {
        var info = RateLimitInfo()
        for (name, value) in headers {
            if name.hasPrefix("x-ratelimit-") {
                switch name {
                case "x-ratelimit-limit-requests": info.limitRequests = int(value)
                case "x-ratelimit-remaining-requests": info.remainingRequests = int(value)
                case "x-ratelimit-reset-requests": info.resetRequests = parseDuration(value)
                case "x-ratelimit-limit-tokens": info.limitTokens = int(value)
                case "x-ratelimit-remaining-tokens": info.remainingTokens = int(value)
                case "x-ratelimit-reset-tokens": info.resetTokens = parseDuration(value)
                default: break
                }
            } else if name.hasPrefix("anthropic-ratelimit-") {
                let reset = { parseRFC3339(value).map { max(0, $0.timeIntervalSince(now)) } }
                switch name {
                case "anthropic-ratelimit-requests-limit": info.limitRequests = int(value)
                case "anthropic-ratelimit-requests-remaining": info.remainingRequests = int(value)
                case "anthropic-ratelimit-requests-reset": info.resetRequests = reset()
                case "anthropic-ratelimit-tokens-limit": info.limitTokens = int(value)
                case "anthropic-ratelimit-tokens-remaining": info.remainingTokens = int(value)
                case "anthropic-ratelimit-tokens-reset": info.resetTokens = reset()
                case "anthropic-ratelimit-input-tokens-limit": info.limitInputTokens = int(value)
                case "anthropic-ratelimit-input-tokens-remaining": info.remainingInputTokens = int(value)
                case "anthropic-ratelimit-input-tokens-reset": info.resetInputTokens = reset()
                case "anthropic-ratelimit-output-tokens-limit": info.limitOutputTokens = int(value)
                case "anthropic-ratelimit-output-tokens-remaining": info.remainingOutputTokens = int(value)
                case "anthropic-ratelimit-output-tokens-reset": info.resetOutputTokens = reset()
                default: break
                }
            } else if name == "retry-after-ms" {
                if let ms = Double(value.trimmingCharacters(in: .whitespaces)), ms >= 0 { info.retryAfter = ms / 1000 }
            } else if name == "retry-after", headers["retry-after-ms"] == nil {
                info.retryAfter = parseRetryAfter(value, now: now)
            }
        }
        return info.isEmpty ? nil : info
    }

    private static func int(_ s: String) -> Int? { Int(s.trimmingCharacters(in: .whitespaces)) }

    /// `Retry-After`: delta-seconds (`120`, tolerated `1.5`) or an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`).
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(v) { return seconds >= 0 ? seconds : nil }
        guard let date = parseHTTPDate(v) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// OpenAI reset durations, Go-style: `1s`, `6m0s`, `20ms`, `0.5s`, `1h2m3.5s`, `250us`; a bare number is seconds.
    public static func parseDuration(_ value: String) -> Double? {
        let s = value.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        if let seconds = Double(s) { return seconds >= 0 ? seconds : nil }
        var total = 0.0
        var number = ""
        var chars = Array(s.unicodeScalars)[...]
        while let c = chars.first {
            if (c >= "0" && c <= "9") || c == "." {
                number.unicodeScalars.append(c)
                chars.removeFirst()
                continue
            }
            guard let amount = Double(number) else { return nil }
            number = ""
            var unit = ""
            while let u = chars.first, !((u >= "0" && u <= "9") || u == ".") {
                unit.unicodeScalars.append(u)
                chars.removeFirst()
            }
            switch unit {
            case "h": total += amount * 3600
            case "m": total += amount * 60
            case "s": total += amount
            case "ms": total += amount / 1000
            case "us", "µs": total += amount / 1_000_000
            case "ns": total += amount / 1_000_000_000
            default: return nil
            }
        }
        return number.isEmpty ? total : nil
    }

    /// `2024-06-12T18:22:04Z`, with optional fraction and `±hh:mm` offset.
    public static func parseRFC3339(_ value: String) -> Date? {
        let b = Array(value.trimmingCharacters(in: .whitespaces).utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var n = 0
            for i in from..<from + len {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = num(0, 4), b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D, let day = num(8, 2),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 0x20,
            let hour = num(11, 2), b[13] == 0x3A, let minute = num(14, 2), b[16] == 0x3A, let second = num(17, 2)
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        let seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form RFC 9110 asks senders to use.
    public static func parseHTTPDate(_ value: String) -> Date? {
        let parts = value.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3, let h = Int(time[0]), let m = Int(time[1]), let s = Int(time[2]) else { return nil }
        let seconds = daysFromCivil(year, monthIndex + 1, day) * 86400 + h * 3600 + m * 60 + s
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
