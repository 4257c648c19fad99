/// How one provider attempt failed, as far as routing cares. The Providers module classifies
/// responses; the worker maps that classification to this.
public enum AttemptFailure: Sendable, Hashable, Codable {
    /// Connection refused, reset, DNS, TLS: no HTTP status.
    case network
    /// The per-attempt deadline passed.
    case timeout
    /// The provider answered with this status (429, 5xx, 529, other 4xx).
    case http(status: Int)
    /// The prompt does not fit the model's context window (a 400 the adapter recognised).
    case contextLengthExceeded

    /// Whether this failure counts against the deployment's circuit breaker. Rate limits do not
    /// (they set a cooldown instead), nor do the caller's own mistakes.
    public var countsAgainstBreaker: Bool {
        switch self {
        case .network, .timeout: true
        case .http(let status): status >= 500
        case .contextLengthExceeded: false
        }
    }

    /// The `attempts.outcome` value for this failure.
    public var outcome: String {
        switch self {
        case .network: "network"
        case .timeout: "timeout"
        case .http(let status) where status == 429: "rate_limited"
        case .http(let status) where status >= 500: "server_error"
        case .http, .contextLengthExceeded: "client_error"
        }
    }
}

/// Which failures move a job on to the next candidate (the seeds' failover triggers).
/// Failures not covered fail the job with the provider's message.
public struct FailoverPolicy: Sendable, Hashable {
    public enum Criterion: String, Sendable, Hashable, Codable, CaseIterable {
        /// Network errors: refused, reset, DNS, TLS.
        case error
        case timeout
        case http429 = "429"
        /// Any 500-599 status (529 included).
        case http5xx = "5xx"
        /// Anthropic's "overloaded".
        case http529 = "529"
        /// Fail over to a deployment with a larger context window.
        case contextLength = "context_length"
    }

    public var criteria: Set<Criterion>
    /// Specific statuses listed in config (`"503"`), beyond the named criteria.
    public var statuses: Set<Int>

    public init(criteria: Set<Criterion> = Set(Criterion.allCases), statuses: Set<Int> = []) {
        self.criteria = criteria
        self.statuses = statuses
    }

    /// Everything retryable: error, timeout, 429, 5xx, 529, context_length.
    public static let `default` = FailoverPolicy()

    public func shouldFailOver(after failure: AttemptFailure) -> Bool {
        switch failure {
        case .network: return criteria.contains(.error)
        case .timeout: return criteria.contains(.timeout)
        case .contextLengthExceeded: return criteria.contains(.contextLength)
        case .http(let status):
            if statuses.contains(status) { return true }
            if status == 429 { return criteria.contains(.http429) }
            if status == 529 { return criteria.contains(.http529) || criteria.contains(.http5xx) }
            if (500...599).contains(status) { return criteria.contains(.http5xx) }
            return false
        }
    }

    /// The config spelling: named criteria then explicit statuses, sorted.
    public var configValues: [String] {
        criteria.map(\.rawValue).sorted() + statuses.sorted().map(String.init)
    }
}

extension FailoverPolicy: Codable {
    public init(from decoder: any Decoder) throws {
        let values = try decoder.singleValueContainer().decode([String].self)
        var criteria: Set<Criterion> = []
        var statuses: Set<Int> = []
        for value in values {
            if let criterion = Criterion(rawValue: value) {
                criteria.insert(criterion)
            } else if let status = Int(value) {
                statuses.insert(status)
            }
        }
        self.init(criteria: criteria, statuses: statuses)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(configValues)
    }
}
