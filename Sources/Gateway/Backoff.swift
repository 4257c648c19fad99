/// Jittered exponential backoff for rescheduling a job when nothing can be called and no reset
/// time is known.
///
/// Attempt n (1-based) waits between half and all of `min(maxMs, baseMs * 2^(n-1))` ("equal
/// jitter"): exponential growth, never zero, and spread so that jobs snoozed together do not all
/// come back at the same instant.
public struct Backoff: Sendable, Hashable {
    public var baseMs: Int
    public var maxMs: Int

    public init(baseMs: Int = 1_000, maxMs: Int = 60_000) {
        self.baseMs = max(1, baseMs)
        self.maxMs = max(self.baseMs, maxMs)
    }

    /// The upper bound of the delay for `attempt` before jitter.
    public func ceilingMs(attempt: Int) -> Int {
        let exponent = min(max(attempt, 1) - 1, 40)
        let (product, overflow) = baseMs.multipliedReportingOverflow(by: 1 << exponent)
        return overflow ? maxMs : min(maxMs, product)
    }

    /// The delay before retry number `attempt` (1 for the first retry), in milliseconds.
    public func delayMs(attempt: Int, using generator: inout some RandomNumberGenerator) -> Int {
        let ceiling = ceilingMs(attempt: attempt)
        let half = ceiling / 2
        return half + Int.random(in: 0...(ceiling - half), using: &generator)
    }

    public func delayMs(attempt: Int) -> Int {
        var generator = SystemRandomNumberGenerator()
        return delayMs(attempt: attempt, using: &generator)
    }
}
