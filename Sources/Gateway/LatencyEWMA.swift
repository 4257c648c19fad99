/// An exponentially weighted moving average of a deployment's call latency, for `least-latency`
/// routing. A plain value so it can be cached in the worker and synced through PostgreSQL.
public struct LatencyEWMA: Sendable, Hashable, Codable {
    /// nil until the first sample.
    public private(set) var milliseconds: Double?
    public private(set) var samples: Int

    public init(milliseconds: Double? = nil, samples: Int = 0) {
        self.milliseconds = milliseconds
        self.samples = samples
    }

    /// Folds in one latency; `alpha` is the weight of the new sample (config `latency_ewma_alpha`).
    public mutating func record(_ latencyMs: Double, alpha: Double = 0.2) {
        samples += 1
        guard let current = milliseconds else {
            milliseconds = latencyMs
            return
        }
        milliseconds = alpha * latencyMs + (1 - alpha) * current
    }
}
