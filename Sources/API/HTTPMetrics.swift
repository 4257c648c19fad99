import Synchronization

/// HTTP requests answered by this serve process, by route pattern (not path, so ids do not
/// multiply series), method and status, with handler durations per route. In-process: each serve
/// process reports its own.
final class HTTPMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var route: String
        var method: String
        var status: Int
    }

    struct Snapshot: Sendable {
        var requests: [Key: UInt64]
        var durations: [String: PrometheusHistogram]
    }

    /// Methods counted by name; anything else is `other`, so clients cannot invent series.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    private let state = Mutex(Snapshot(requests: [:], durations: [:]))

    func record(route: String, method: String, status: Int, seconds: Double) {
        let key = Key(route: route, method: Self.knownMethods.contains(method) ? method : "other", status: status)
        state.withLock { state in
            state.requests[key, default: 0] += 1
            state.durations[route, default: PrometheusHistogram(bounds: PrometheusHistogram.requestBounds)].observe(seconds)
        }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}
