/// RPM/TPM accounting for one model, with a sliding or a fixed window.
///
/// Pure value type: the caller passes the clock (`now`, Unix seconds), so window math is testable.
/// A rejected request uses none of the budget, as with the real APIs.
public struct MockRateLimiter: Sendable {
    /// One limit's state after a decision, as the rate-limit headers report it.
    public struct Budget: Sendable, Equatable {
        public var limit: Int
        public var remaining: Int
        /// Seconds until the budget is whole again.
        public var resetSeconds: Double
    }

    public struct Decision: Sendable, Equatable {
        public var admitted: Bool
        public var requests: Budget?
        public var tokens: Budget?
        /// When rejected: seconds until this request would be admitted.
        public var retryAfterSeconds: Double?
        /// When rejected: the token limit was the one exceeded (else the request limit).
        public var limitedOnTokens = false
    }

    private struct Slot: Sendable {
        var index: Int64
        var requests: Int
        var tokens: Int
    }

    /// Slots per sliding window: 100 ms resolution for a one-minute window.
    static let slotsPerWindow: Int64 = 600

    public let requestLimit: Int?
    public let tokenLimit: Int?
    public let window: MockRateWindow
    public let windowSeconds: Double

    private var slots: [Slot] = []
    private var head = 0
    private var usedRequests = 0
    private var usedTokens = 0
    private var fixedWindowStart = -Double.infinity

    public init(requestLimit: Int?, tokenLimit: Int?, window: MockRateWindow = .sliding, windowSeconds: Double = 60) {
        self.requestLimit = requestLimit
        self.tokenLimit = tokenLimit
        self.window = window
        self.windowSeconds = windowSeconds
    }

    public init(profile: MockModelProfile) {
        self.init(
            requestLimit: profile.requestsPerMinute, tokenLimit: profile.tokensPerMinute,
            window: profile.window, windowSeconds: profile.windowSeconds)
    }

    public var isUnlimited: Bool { requestLimit == nil && tokenLimit == nil }

    /// Admits one request of `tokens` tokens at time `now` if both budgets allow it, and records it.
    public mutating func admit(tokens: Int, now: Double) -> Decision {
        if isUnlimited { return Decision(admitted: true) }
        switch window {
        case .fixed: return admitFixed(tokens: tokens, now: now)
        case .sliding: return admitSliding(tokens: tokens, now: now)
        }
    }

    private mutating func admitFixed(tokens: Int, now: Double) -> Decision {
        let start = (now / windowSeconds).rounded(.down) * windowSeconds
        if start != fixedWindowStart {
            fixedWindowStart = start
            usedRequests = 0
            usedTokens = 0
        }
        let untilEnd = max(0, start + windowSeconds - now)
        let requestsOver = requestLimit.map { usedRequests + 1 > $0 } ?? false
        let tokensOver = tokenLimit.map { usedTokens + tokens > $0 } ?? false
        var decision = Decision(admitted: !(requestsOver || tokensOver))
        if decision.admitted {
            usedRequests += 1
            usedTokens += tokens
        } else {
            decision.retryAfterSeconds = untilEnd
            decision.limitedOnTokens = !requestsOver
        }
        decision.requests = requestLimit.map { Budget(limit: $0, remaining: max(0, $0 - usedRequests), resetSeconds: untilEnd) }
        decision.tokens = tokenLimit.map { Budget(limit: $0, remaining: max(0, $0 - usedTokens), resetSeconds: untilEnd) }
        return decision
    }

    private mutating func admitSliding(tokens: Int, now: Double) -> Decision {
        let slotLength = windowSeconds / Double(Self.slotsPerWindow)
        let current = Int64((now / slotLength).rounded(.down))
        // Forget usage that has left the window.
        while head < slots.count, slots[head].index + Self.slotsPerWindow <= current {
            usedRequests -= slots[head].requests
            usedTokens -= slots[head].tokens
            head += 1
        }
        if head > 1024, head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
        func expiry(_ slot: Slot) -> Double { max(0, Double(slot.index + Self.slotsPerWindow) * slotLength - now) }
        /// Seconds until `used - freed + need <= limit`.
        func wait(used: Int, need: Int, limit: Int, amount: (Slot) -> Int) -> Double {
            if need > limit { return windowSeconds }
            var freed = 0
            for slot in slots[head...] {
                freed += amount(slot)
                if used - freed + need <= limit { return expiry(slot) }
            }
            return windowSeconds
        }
        let requestsOver = requestLimit.map { usedRequests + 1 > $0 } ?? false
        let tokensOver = tokenLimit.map { usedTokens + tokens > $0 } ?? false
        var decision = Decision(admitted: !(requestsOver || tokensOver))
        if decision.admitted {
            if head < slots.count, slots[slots.count - 1].index == current {
                slots[slots.count - 1].requests += 1
                slots[slots.count - 1].tokens += tokens
            } else {
                slots.append(Slot(index: current, requests: 1, tokens: tokens))
            }
            usedRequests += 1
            usedTokens += tokens
        } else {
            var retry = 0.0
            if requestsOver, let limit = requestLimit {
                retry = max(retry, wait(used: usedRequests, need: 1, limit: limit) { $0.requests })
            }
            if tokensOver, let limit = tokenLimit {
                retry = max(retry, wait(used: usedTokens, need: tokens, limit: limit) { $0.tokens })
            }
            decision.retryAfterSeconds = retry
            decision.limitedOnTokens = !requestsOver
        }
        let untilEmpty = head < slots.count ? expiry(slots[slots.count - 1]) : 0
        decision.requests = requestLimit.map { Budget(limit: $0, remaining: max(0, $0 - usedRequests), resetSeconds: usedRequests > 0 ? untilEmpty : 0) }
        decision.tokens = tokenLimit.map { Budget(limit: $0, remaining: max(0, $0 - usedTokens), resetSeconds: usedTokens > 0 ? untilEmpty : 0) }
        return decision
    }
}
