/// A failed provider call, classified so the worker can decide: retry elsewhere, back off, or fail the job.
///
/// `message` is the provider's own message (or libcurl's for transport errors). Keys never appear in
/// it: adapters build messages only from response bodies and transport errors, never from requests.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case rateLimited = "rate_limited"
        /// Anthropic's 529 `overloaded_error`: the whole service is busy, not this account.
        case overloaded
        case serverError = "server_error"
        case timeout
        case network
        case contextLengthExceeded = "context_length_exceeded"
        case contentFiltered = "content_filtered"
        case authentication
        case badRequest = "bad_request"
        case notFound = "not_found"
        /// The caller cancelled the call or the client shut down before an answer.
        case cancelled
    }

    public var kind: Kind
    /// HTTP status, nil when no response arrived (timeout, network, cancelled).
    public var status: Int?
    public var message: String
    /// The provider's own error type or code (`overloaded_error`, `context_length_exceeded`,
    /// `RESOURCE_EXHAUSTED`, `content_filter`), or libcurl's error code for transport errors.
    public var providerCode: String?
    /// The request member the provider blamed (OpenAI `param`).
    public var param: String?
    /// Seconds to wait before calling this deployment again, from `retry-after-ms`/`Retry-After`
    /// or, failing those, from exhausted rate-limit reset headers.
    public var retryAfter: Double?
    public var rateLimit: RateLimitInfo?

    public init(
        kind: Kind, status: Int? = nil, message: String, providerCode: String? = nil, param: String? = nil,
        retryAfter: Double? = nil, rateLimit: RateLimitInfo? = nil
    ) {
        self.kind = kind
        self.status = status
        self.message = message
        self.providerCode = providerCode
        self.param = param
        self.retryAfter = retryAfter
        self.rateLimit = rateLimit
    }

    /// Whether another attempt (here later, or at another deployment) may succeed.
    /// Context-length errors are not retryable as such; the router may still fail over to a larger window.
    public var isRetryable: Bool {
        switch kind {
        case .rateLimited, .overloaded, .serverError, .timeout, .network: return true
        case .contextLengthExceeded, .contentFiltered, .authentication, .badRequest, .notFound, .cancelled: return false
        }
    }

    /// The `attempts.outcome` value the ledger records for this failure.
    public var ledgerOutcome: String {
        switch kind {
        case .rateLimited: return "rate_limited"
        case .overloaded, .serverError: return "server_error"
        case .timeout: return "timeout"
        case .network: return "network"
        case .cancelled: return "cancelled"
        case .contextLengthExceeded, .contentFiltered, .authentication, .badRequest, .notFound: return "client_error"
        }
    }

    /// Safe for users: kind, status and the provider's message.
    public var description: String {
        var s = kind.rawValue
        if let status { s += " (HTTP \(status))" }
        if !message.isEmpty { s += ": " + message }
        return s
    }

    public var debugDescription: String {
        var s = description
        if let providerCode { s += " [code: \(providerCode)]" }
        if let param { s += " [param: \(param)]" }
        if let retryAfter { s += " [retry after \(retryAfter)s]" }
        return s
    }

    /// Structured detail for the job's `error` column.
    public var json: JSONValue {
        var b = JSONObjectBuilder()
        b.set("code", kind.rawValue)
        b.set("message", message)
        b.set("status", status)
        b.set("provider_code", providerCode)
        b.set("param", param)
        b.set("retry_after_s", retryAfter)
        return b.value
    }
}
