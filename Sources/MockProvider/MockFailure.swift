/// An error answer the mock gives: what went wrong, independent of the wire format that renders it.
public struct MockFailure: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// No key at all.
        case missingKey
        /// A key that is not in the configured `api_keys`.
        case invalidKey
        case badRequest
        /// Azure without `api-version`.
        case missingAPIVersion
        case modelNotFound
        case contextLengthExceeded
        case rateLimited
        case serverError
        case badGateway
        case serviceUnavailable
        case overloaded
    }

    public var kind: Kind
    public var message: String
    /// The request field at fault, when there is one (OpenAI's `param`).
    public var param: String?
    /// The model concerned (for not-found and rate-limit messages).
    public var model: String?
    /// For rate limits: seconds until a retry can succeed, and which limit was hit.
    public var retryAfterSeconds: Double?
    public var limitedOnTokens = false

    public init(_ kind: Kind, _ message: String = "", param: String? = nil, model: String? = nil) {
        self.kind = kind
        self.message = message
        self.param = param
        self.model = model
    }

    /// HTTP status the real APIs use for this failure in `format`.
    public func status(in format: MockWireFormat) -> Int {
        switch kind {
        case .missingKey: format == .gemini ? 403 : 401
        case .invalidKey: format == .gemini ? 400 : 401
        case .badRequest, .contextLengthExceeded: 400
        case .missingAPIVersion, .modelNotFound: 404
        case .rateLimited: 429
        case .serverError: 500
        case .badGateway: 502
        case .serviceUnavailable: 503
        case .overloaded: 529
        }
    }

    /// The stats key a request that failed this way is counted under.
    public var statsKey: String {
        switch kind {
        case .missingKey, .invalidKey: "unauthorized"
        case .badRequest, .missingAPIVersion, .contextLengthExceeded: "bad_request"
        case .modelNotFound: "not_found"
        case .rateLimited: "rate_limited"
        case .serverError, .badGateway, .serviceUnavailable: "server_error"
        case .overloaded: "overloaded"
        }
    }
}
