/// A Prometheus histogram: per-bucket counts (not yet cumulative), the sum and the count.
struct PrometheusHistogram: Sendable, Hashable {
    /// Upper bounds in seconds, ascending; `+Inf` is implied.
    let bounds: [Double]
    private(set) var counts: [UInt64]
    private(set) var sum = 0.0
    private(set) var count: UInt64 = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    /// HTTP handler durations: 1 ms to 60 s.
    static let requestBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    /// Provider call latencies: 50 ms to 2 minutes.
    static let providerBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120]

    mutating func observe(_ value: Double) {
        if let index = bounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 }
        sum += value
        count += 1
    }

    /// Adds counts measured elsewhere: `bucketCounts[i]` values fell in `(bounds[i-1], bounds[i]]`,
    /// `total` values in all (those above the last bound only in `total`).
    mutating func add(bucketCounts: [UInt64], total: UInt64, sum: Double) {
        for (index, value) in bucketCounts.prefix(counts.count).enumerated() { counts[index] += value }
        self.sum += sum
        count += total
    }

    /// `(le, cumulative count)` pairs ending with `+Inf`, as the exposition format wants them.
    var cumulativeBuckets: [(String, UInt64)] {
        var running: UInt64 = 0
        var out: [(String, UInt64)] = []
        for (bound, value) in zip(bounds, counts) {
            running += value
            out.append((PrometheusText.format(bound), running))
        }
        out.append(("+Inf", count))
        return out
    }
}
