/// The ordering strategies as pure functions over eligible candidates. Ties keep config order
/// (every sort here is stable over the input order).
extension RoutePlanner {
    /// A weighted random pick first, then the rest by descending weight.
    /// Zero-weight targets are never picked while a positive one is eligible, but stay in the
    /// order as failover targets (1000/1 with the heavy one down sends everything to the light one).
    public static func weightedOrder(
        _ candidates: [RoutingCandidate], using generator: inout some RandomNumberGenerator
    ) -> [RoutingCandidate] {
        guard !candidates.isEmpty else { return [] }
        let total = candidates.reduce(0) { $0 + max(0, $1.weight) }
        var pickIndex = 0
        if total > 0 {
            var point = Double.random(in: 0..<total, using: &generator)
            pickIndex = candidates.lastIndex { $0.weight > 0 } ?? 0
            for (index, candidate) in candidates.enumerated() where candidate.weight > 0 {
                if point < candidate.weight {
                    pickIndex = index
                    break
                }
                point -= candidate.weight
            }
        }
        var rest = candidates
        let pick = rest.remove(at: pickIndex)
        return [pick] + stableSorted(rest) { $0.weight > $1.weight }
    }

    /// Highest priority first; ties by higher weight, then config order.
    public static func priorityOrder(_ candidates: [RoutingCandidate]) -> [RoutingCandidate] {
        stableSorted(candidates) { a, b in
            a.priority != b.priority ? a.priority > b.priority : a.weight > b.weight
        }
    }

    /// Deployments never measured first (so each gets explored), then ascending latency EWMA.
    public static func leastLatencyOrder(_ candidates: [RoutingCandidate], latencies: [String: Double])
        -> [RoutingCandidate]
    {
        stableSorted(candidates) { a, b in
            switch (latencies[a.deployment], latencies[b.deployment]) {
            case (nil, .some): true
            case (.some(let x), .some(let y)): x < y
            default: false
            }
        }
    }

    /// Cheapest estimated cost for this prompt first.
    public static func costOrder(_ candidates: [RoutingCandidate], promptTokens: Int, completionTokens: Int)
        -> [RoutingCandidate]
    {
        stableSorted(candidates) {
            $0.estimatedCost(promptTokens: promptTokens, completionTokens: completionTokens)
                < $1.estimatedCost(promptTokens: promptTokens, completionTokens: completionTokens)
        }
    }

    /// Sorts by `areInIncreasingOrder`, keeping the input order of equal elements.
    static func stableSorted(
        _ candidates: [RoutingCandidate], by areInIncreasingOrder: (RoutingCandidate, RoutingCandidate) -> Bool
    ) -> [RoutingCandidate] {
        candidates.enumerated().sorted { x, y in
            if areInIncreasingOrder(x.element, y.element) { return true }
            if areInIncreasingOrder(y.element, x.element) { return false }
            return x.offset < y.offset
        }.map(\.element)
    }
}
