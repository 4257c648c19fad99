/// A small seeded generator (SplitMix64) so faults and latencies repeat for a given profile `seed`.
public struct MockRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one model: the global seed mixed with the model name, so one model's traffic
    /// does not shift another model's sequence.
    public init(seed: UInt64, stream name: String) {
        self.init(seed: seed ^ MockAnswer.fnv1a(name))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}
