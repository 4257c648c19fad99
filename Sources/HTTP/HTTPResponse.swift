/// What a handler answers. The server adds `Content-Length`, `Date` and `Connection` itself.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Set only on `resetConnection`.
    var resetsConnection = false

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A plain-text response (`text/plain; charset=utf-8`).
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// A marker: the server closes the connection abruptly (RST, SO_LINGER 0) without answering.
    /// Used to emulate a crashing upstream.
    public static let resetConnection: HTTPResponse = {
        var response = HTTPResponse(status: 0)
        response.resetsConnection = true
        return response
    }()

    /// Whether this is the `resetConnection` marker.
    public var isResetConnection: Bool { resetsConnection }
}
