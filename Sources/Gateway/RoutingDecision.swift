import Foundation

/// The outcome of routing one job, and the job's `routing_trace`: every candidate, which were
/// excluded and why, the chosen deployment, the attempt order, the classifier's reasoning — and,
/// appended by the worker, each attempt made.
public struct RoutingDecision: Sendable, Hashable, Codable {
    /// Why a candidate was left out (the trace's `reason` codes).
    public enum ExclusionReason: String, Sendable, Hashable, Codable, CaseIterable {
        /// Breaker open: the deployment failed too often recently.
        case breakerOpen = "breaker_open"
        /// Breaker half-open and another caller holds the single probe.
        case probeInFlight = "probe_in_flight"
        /// A 429 set a cooldown (Retry-After).
        case coolingDown = "cooling_down"
        /// The provider's headers said no requests or tokens remain until a reset.
        case providerLimitReached = "provider_limit_reached"
        /// The configured RPM/TPM for this minute is used up.
        case budgetSpent = "budget_spent"
        /// The estimated prompt does not fit the context window.
        case contextWindowTooSmall = "context_window_too_small"
        /// The provider's key variable is not set in this worker's environment.
        case noAPIKey = "no_api_key"
    }

    public struct Exclusion: Sendable, Hashable, Codable {
        public var deployment: String
        public var reason: ExclusionReason
        /// Human-readable detail ("open until 12:00:05Z", "prompt ~9000 tokens > window 8192").
        public var detail: String
        /// When the deployment may be callable again; nil when waiting will not help.
        public var retryAt: Date?

        public init(deployment: String, reason: ExclusionReason, detail: String, retryAt: Date?) {
            self.deployment = deployment
            self.reason = reason
            self.detail = detail
            self.retryAt = retryAt
        }

        enum CodingKeys: String, CodingKey {
            case deployment, reason, detail
            case retryAt = "retry_at"
        }
    }

    /// One provider call (or cache hit), appended by the worker as it goes.
    public struct Attempt: Sendable, Hashable, Codable {
        public var deployment: String
        /// The ledger's outcome: ok, rate_limited, server_error, timeout, network, client_error, cancelled, cache_hit.
        public var outcome: String
        public var status: Int?
        public var latencyMs: Double?
        public var startedAt: Date
        /// True when this attempt came after a failed one in the same try.
        public var failover: Bool
        public var error: String?

        public init(
            deployment: String, outcome: String, status: Int? = nil, latencyMs: Double? = nil, startedAt: Date,
            failover: Bool, error: String? = nil
        ) {
            self.deployment = deployment
            self.outcome = outcome
            self.status = status
            self.latencyMs = latencyMs
            self.startedAt = startedAt
            self.failover = failover
            self.error = error
        }

        enum CodingKeys: String, CodingKey {
            case deployment, outcome, status, failover, error
            case latencyMs = "latency_ms"
            case startedAt = "started_at"
        }
    }

    public var route: String
    public var strategy: RoutingStrategy
    /// Targets, then fallbacks (and a classified deployment), each once, in config order.
    public var candidates: [RoutingCandidate]
    public var excluded: [Exclusion]
    /// Deployments to try, in order; the first is the chosen one.
    public var order: [String]
    public var classification: Classification?
    /// One line per routing step, for people reading the trace.
    public var reasoning: [String]
    public var estimatedPromptTokens: Int
    /// Provider calls allowed in this try: 1 + the route's (or default) `retries`.
    public var maxCalls: Int
    public var attempts: [Attempt]
    /// For `complexity` routes in LLM-classifier mode: the classifier's provider calls (each its
    /// own ledger row, under the classifier route).
    public var classifierCalls: [Attempt] = []

    public init(
        route: String, strategy: RoutingStrategy, candidates: [RoutingCandidate], excluded: [Exclusion],
        order: [String], classification: Classification?, reasoning: [String], estimatedPromptTokens: Int,
        maxCalls: Int, attempts: [Attempt] = []
    ) {
        self.route = route
        self.strategy = strategy
        self.candidates = candidates
        self.excluded = excluded
        self.order = order
        self.classification = classification
        self.reasoning = reasoning
        self.estimatedPromptTokens = estimatedPromptTokens
        self.maxCalls = maxCalls
        self.attempts = attempts
    }

    /// The deployment to call first; nil when every candidate is excluded.
    public var chosen: String? { order.first }

    /// When no candidate can be called now: the earliest time one might be (the job's new `run_at`).
    /// Nil when nothing will change by waiting (e.g. only context-window exclusions) or when a
    /// candidate is available.
    public var earliestRetryAt: Date? {
        guard order.isEmpty else { return nil }
        return excluded.compactMap(\.retryAt).min()
    }

    /// What the worker does when ``order`` is empty.
    public enum Stall: Sendable, Hashable {
        /// Reschedule the job (`run_at`): a snooze, bounded by the job's deadline, not its attempts.
        case snooze(until: Date)
        /// Waiting will not help (every candidate is too small or has no key): fail the job.
        case unroutable(String)
    }

    /// When no candidate can be called now: snooze until the earliest known reset (plus up to
    /// 250 ms of jitter so snoozed jobs do not return in one burst), or by `backoff` for the
    /// job's `snoozes` so far when no time is known; or fail when no exclusion will lift by itself.
    /// Nil when there is a candidate to call.
    public func stall(
        now: Date, snoozes: Int, backoff: Backoff, using generator: inout some RandomNumberGenerator
    ) -> Stall? {
        guard order.isEmpty else { return nil }
        if let earliest = earliestRetryAt {
            let jitter = Double(Int.random(in: 0...250, using: &generator)) / 1000
            return .snooze(until: max(earliest, now).addingTimeInterval(jitter))
        }
        let permanent: Set<ExclusionReason> = [.contextWindowTooSmall, .noAPIKey]
        if !excluded.isEmpty, excluded.allSatisfy({ permanent.contains($0.reason) }) {
            return .unroutable(
                "no deployment of route \"\(route)\" can take this request: "
                    + excluded.map { "\($0.deployment): \($0.detail)" }.joined(separator: "; "))
        }
        if candidates.isEmpty {
            return .unroutable("route \"\(route)\" has no deployment for this request")
        }
        let delay = Double(backoff.delayMs(attempt: snoozes + 1, using: &generator)) / 1000
        return .snooze(until: now.addingTimeInterval(delay))
    }

    public func candidate(named deployment: String) -> RoutingCandidate? {
        candidates.first { $0.deployment == deployment }
    }

    /// The deployments left to try after `deployment` failed with a context-length error: later
    /// ones in the order whose window is larger (or unknown).
    public func remainingOrder(afterContextLengthErrorOn deployment: String) -> [String] {
        guard let index = order.firstIndex(of: deployment) else { return [] }
        let failedWindow = candidate(named: deployment)?.contextWindow
        return order[(index + 1)...].filter { name in
            guard let failedWindow, let window = candidate(named: name)?.contextWindow else { return true }
            return window > failedWindow
        }
    }

    /// The deployments left to try after `deployment` failed with an ordinary retryable error.
    public func remainingOrder(after deployment: String) -> [String] {
        guard let index = order.firstIndex(of: deployment) else { return [] }
        return Array(order[(index + 1)...])
    }

    enum CodingKeys: String, CodingKey {
        case route, strategy, candidates, excluded, order, classification, reasoning, attempts, chosen
        case estimatedPromptTokens = "estimated_prompt_tokens"
        case maxCalls = "max_calls"
        case earliestRetryAt = "earliest_retry_at"
        case classifierCalls = "classifier_calls"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        route = try container.decode(String.self, forKey: .route)
        strategy = try container.decode(RoutingStrategy.self, forKey: .strategy)
        candidates = try container.decode([RoutingCandidate].self, forKey: .candidates)
        excluded = try container.decode([Exclusion].self, forKey: .excluded)
        order = try container.decode([String].self, forKey: .order)
        classification = try container.decodeIfPresent(Classification.self, forKey: .classification)
        reasoning = try container.decode([String].self, forKey: .reasoning)
        estimatedPromptTokens = try container.decode(Int.self, forKey: .estimatedPromptTokens)
        maxCalls = try container.decode(Int.self, forKey: .maxCalls)
        attempts = try container.decodeIfPresent([Attempt].self, forKey: .attempts) ?? []
        classifierCalls = try container.decodeIfPresent([Attempt].self, forKey: .classifierCalls) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(route, forKey: .route)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(candidates, forKey: .candidates)
        try container.encode(excluded, forKey: .excluded)
        try container.encode(order, forKey: .order)
        try container.encodeIfPresent(chosen, forKey: .chosen)
        try container.encodeIfPresent(classification, forKey: .classification)
        try container.encode(reasoning, forKey: .reasoning)
        try container.encode(estimatedPromptTokens, forKey: .estimatedPromptTokens)
        try container.encode(maxCalls, forKey: .maxCalls)
        try container.encodeIfPresent(earliestRetryAt, forKey: .earliestRetryAt)
        try container.encode(attempts, forKey: .attempts)
        if !classifierCalls.isEmpty { try container.encode(classifierCalls, forKey: .classifierCalls) }
    }

    /// The `routing_trace` JSON: sorted keys, RFC 3339 dates with milliseconds (built directly, not
    /// through `JSONEncoder`: the worker writes one per job).
    public func traceJSON() -> String {
        String(decoding: traceValue.serialized(), as: UTF8.self)
    }

    /// Reads a trace written by ``traceJSON()``.
    public static func fromTraceJSON(_ text: String) throws -> RoutingDecision {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Self.timestampStyle.parse(text) { return date }
            return try Date.ISO8601FormatStyle().parse(text)
        }
        return try decoder.decode(RoutingDecision.self, from: Data(text.utf8))
    }

    /// RFC 3339 UTC with milliseconds: attempt times inside one second stay apart.
    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
