#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// RFC 3339 UTC timestamps with milliseconds ("2026-11-22T03:35:00.123Z"), written without a
/// formatter object: the trace is built once per job, and `Date.ISO8601FormatStyle` costs more
/// than the rest of the trace. Fractions are truncated to the millisecond, as the format style does.
public enum TraceTimestamp {
    public static func string(_ date: Date) -> String {
        let totalMs = (date.timeIntervalSince1970 * 1_000).rounded(.down)
        guard totalMs.isFinite, abs(totalMs) < 2.5e14 else { return date.formatted(RoutingDecision.timestampStyle) }
        let ms = Int64(totalMs)
        var seconds = ms / 1_000
        var fraction = ms % 1_000
        if fraction < 0 {
            fraction += 1_000
            seconds -= 1
        }
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return date.formatted(RoutingDecision.timestampStyle) }
        var out: [UInt8] = []
        out.reserveCapacity(24)
        digits(Int(parts.tm_year) + 1900, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2, &out)
        out.append(UInt8(ascii: "."))
        digits(Int(fraction), 3, &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
