/// What a handler answers. The server adds `Content-Length`, `Date` and `Connection` itself.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Set only on `resetConnection`.
    var resetsConnection = false
    /// Monotonic microseconds (`CLOCK_MONOTONIC`) before which the server does not send this
    /// response; 0 for at once. See `deferred(byMilliseconds:)`.
    var releaseAtUs: Int64 = 0

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

    /// This response, to be sent (or, for `resetConnection`, the reset done) no earlier than
    /// `milliseconds` from now. The server's event-loop thread holds it until then, so the handler's
    /// task ends at once: a delay costs neither a task nor a timer on the concurrency pool, and it
    /// is not stretched when that pool is busy. A server shutting down sends held responses at once.
    public func deferred(byMilliseconds milliseconds: Double) -> HTTPResponse {
        var response = self
        response.releaseAtUs = milliseconds > 0 ? Socket.monotonicUs() + Int64((milliseconds * 1_000).rounded(.up)) : 0
        return response
    }
}
