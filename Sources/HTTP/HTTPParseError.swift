/// Why a request could not be parsed, with the status the server answers before closing.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400, 413, 417, 431, 501 or 505.
    public var status: Int
    /// Safe to show to the client.
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    static func malformed(_ message: String) -> HTTPParseError { HTTPParseError(status: 400, message: message) }
    static func headersTooLarge(_ message: String) -> HTTPParseError { HTTPParseError(status: 431, message: message) }
    static func bodyTooLarge(limit: Int) -> HTTPParseError {
        HTTPParseError(status: 413, message: "request body exceeds \(limit) bytes")
    }

    public var description: String { "\(status): \(message)" }
}

/// The head of a request (request line and headers) as soon as it is complete, before its body.
public struct HTTPRequestHead: Sendable {
    /// The request without its body (and without path parameters).
    public var request: HTTPRequest
    /// The declared body length; `nil` for a chunked body.
    public var contentLength: Int?
    public var isChunked: Bool
    /// `Expect: 100-continue` was sent on an HTTP/1.1 request.
    public var expectsContinue: Bool
    /// Whether the connection may stay open after the response (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    public var keepAlive: Bool

    /// Whether a body follows the head.
    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }
}

/// Limits the parser enforces.
public struct HTTPParserLimits: Sendable {
    /// Request line plus headers, including line endings (and chunked trailers).
    public var maxHeaderBytes = 64 * 1024
    public var maxHeaderCount = 100
    /// The body limit used unless `HTTPRequestParser.bodyLimit` is changed after the head.
    public var maxBodyBytes = 1 << 20

    public init(maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1 << 20) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
