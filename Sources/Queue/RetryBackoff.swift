/// Jittered exponential backoff between failed tries: `base * 2^(failures-1)`, capped, then scaled
/// by a random factor in `[1 - jitter, 1]` so jobs that failed together do not return together.
public struct RetryBackoff: Sendable, Hashable {
    public var baseMs: Int64
    public var capMs: Int64
    /// Fraction of the delay that is random, 0...1.
    public var jitter: Double

    public init(baseMs: Int64 = 1_000, capMs: Int64 = 300_000, jitter: Double = 0.5) {
        precondition(baseMs >= 0 && capMs >= baseMs && (0...1).contains(jitter), "invalid backoff")
        self.baseMs = baseMs
        self.capMs = capMs
        self.jitter = jitter
    }

    /// The delay after the `failures`-th failed try (1 for the first).
    public func delayMs(afterFailures failures: Int) -> Int64 {
        let exponent = min(max(failures - 1, 0), 40)
        let raw = min(Double(baseMs) * Double(Int64(1) << exponent), Double(capMs))
        let factor = 1 - jitter * Double.random(in: 0...1)
        return Int64(raw * factor)
    }
}
