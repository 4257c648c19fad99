/// How a route orders its targets.
public enum RoutingStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Random pick by weight (50/50, 1000/1); the rest by descending weight.
    case weighted
    /// Highest priority first; ties by weight, then listed order.
    case priority
    /// Lowest latency EWMA first; deployments with no measurement yet go first (explored).
    case leastLatency = "least-latency"
    /// Cheapest estimated cost for this prompt first.
    case cost
    /// The classifier's tier x task table picks the first deployment.
    case complexity
}

/// One deployment a route may send to, with the route's own weight and priority for it.
public struct RouteTarget: Sendable, Hashable, Codable {
    public var deployment: String
    public var weight: Double
    public var priority: Int

    public init(deployment: String, weight: Double = 1, priority: Int = 0) {
        self.deployment = deployment
        self.weight = weight
        self.priority = priority
    }
}

/// Per-route cache behaviour; nil fields inherit the config's ``CacheDefaults``.
public struct RouteCacheSettings: Sendable, Hashable, Codable {
    public var ttlSeconds: Int?
    public var disabled: Bool

    public init(ttlSeconds: Int? = nil, disabled: Bool = false) {
        self.ttlSeconds = ttlSeconds
        self.disabled = disabled
    }

    enum CodingKeys: String, CodingKey {
        case ttlSeconds = "ttl_s"
        case disabled
    }
}

/// How a `complexity` route classifies prompts.
public struct ClassifierSettings: Sendable, Hashable, Codable {
    public var mode: Classification.Mode
    /// For `llm` mode: the route whose model classifies (its answer is parsed by ``LLMClassifierPrompt``);
    /// the rule-based classifier is used when that call fails, times out or answers unparseably.
    public var route: String?
    /// For `llm` mode: the deadline of the classifier call.
    public var timeoutMs: Int

    public static let defaultTimeoutMs = 10_000

    public init(mode: Classification.Mode = .ruleBased, route: String? = nil, timeoutMs: Int = ClassifierSettings.defaultTimeoutMs) {
        self.mode = mode
        self.route = route
        self.timeoutMs = timeoutMs
    }

    enum CodingKeys: String, CodingKey {
        case mode, route
        case timeoutMs = "timeout_ms"
    }
}

/// A public model name clients ask for, and how it maps to deployments.
public struct RouteConfig: Sendable, Hashable, Codable {
    public var name: String
    public var strategy: RoutingStrategy
    public var targets: [RouteTarget]
    /// Tried in this order after every target, whatever the strategy.
    public var fallbacks: [String]
    public var failover: FailoverPolicy
    public var cache: RouteCacheSettings
    /// The tier x task table; set exactly when `strategy` is `complexity`.
    public var complexity: ComplexityTable?
    public var classifier: ClassifierSettings?
    /// Failovers after the first call within one try of a job; nil = the resilience default.
    public var retries: Int?
    /// Overrides the resilience default for this route.
    public var attemptTimeoutMs: Int?

    public init(
        name: String, strategy: RoutingStrategy, targets: [RouteTarget], fallbacks: [String] = [],
        failover: FailoverPolicy = .default, cache: RouteCacheSettings = RouteCacheSettings(),
        complexity: ComplexityTable? = nil, classifier: ClassifierSettings? = nil,
        retries: Int? = nil, attemptTimeoutMs: Int? = nil
    ) {
        self.name = name
        self.strategy = strategy
        self.targets = targets
        self.fallbacks = fallbacks
        self.failover = failover
        self.cache = cache
        self.complexity = complexity
        self.classifier = classifier
        self.retries = retries
        self.attemptTimeoutMs = attemptTimeoutMs
    }

    enum CodingKeys: String, CodingKey {
        case name, strategy, targets, fallbacks, cache, complexity, classifier, retries
        case failover = "failover_on"
        case attemptTimeoutMs = "attempt_timeout_ms"
    }
}
