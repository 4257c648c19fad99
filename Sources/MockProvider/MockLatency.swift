import Providers

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// How long a model takes to answer, in milliseconds.
public enum MockLatency: Sendable, Equatable {
    case none
    case fixed(ms: Double)
    case uniform(minMs: Double, maxMs: Double)
    case normal(meanMs: Double, stddevMs: Double)

    /// One latency draw; never negative.
    public func sample(_ random: inout MockRandom) -> Double {
        switch self {
        case .none: return 0
        case .fixed(let ms): return ms
        case .uniform(let low, let high): return low + (high - low) * random.unit()
        case .normal(let mean, let stddev):
            // Box-Muller; 1 - unit() is in (0, 1] so the logarithm is finite.
            let u1 = 1 - random.unit()
            let u2 = random.unit()
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return max(0, mean + stddev * z)
        }
    }

    /// Reads `12`, `{"fixed_ms": 12}`, `{"min_ms": 5, "max_ms": 20}` or `{"mean_ms": 300, "stddev_ms": 50}`.
    static func parse(_ value: JSONValue, field: String) throws(MockProfileError) -> MockLatency {
        if let ms = value.doubleValue {
            guard ms >= 0 else { throw MockProfileError(field: field, message: "must be >= 0") }
            return ms == 0 ? .none : .fixed(ms: ms)
        }
        guard let members = value.objectValue else {
            throw MockProfileError(field: field, message: "must be a number of milliseconds or an object, got \(value.kindDescription)")
        }
        let keys = Set(members.keys)
        func number(_ key: String) throws(MockProfileError) -> Double {
            guard let n = value[key]?.doubleValue, n >= 0 else {
                throw MockProfileError(field: "\(field).\(key)", message: "must be a number >= 0")
            }
            return n
        }
        switch keys {
        case ["fixed_ms"]:
            return .fixed(ms: try number("fixed_ms"))
        case ["min_ms", "max_ms"]:
            let low = try number("min_ms"), high = try number("max_ms")
            guard high >= low else { throw MockProfileError(field: "\(field).max_ms", message: "must be >= min_ms") }
            return .uniform(minMs: low, maxMs: high)
        case ["mean_ms", "stddev_ms"]:
            return .normal(meanMs: try number("mean_ms"), stddevMs: try number("stddev_ms"))
        default:
            let unknown = keys.subtracting(["fixed_ms", "min_ms", "max_ms", "mean_ms", "stddev_ms"]).sorted()
            if let first = unknown.first {
                throw MockProfileError(field: "\(field).\(first)", message: "unknown field")
            }
            throw MockProfileError(
                field: field, message: "expected one of {fixed_ms}, {min_ms, max_ms}, {mean_ms, stddev_ms}")
        }
    }

    var json: JSONValue {
        switch self {
        case .none: return 0
        case .fixed(let ms): return ["fixed_ms": .double(ms)]
        case .uniform(let low, let high): return ["min_ms": .double(low), "max_ms": .double(high)]
        case .normal(let mean, let stddev): return ["mean_ms": .double(mean), "stddev_ms": .double(stddev)]
        }
    }
}
