/// One parsed HTTP request as a handler sees it.
public struct HTTPRequest: Sendable {
    /// The method token, e.g. `"GET"` (case-sensitive, as sent).
    public var method: String
    /// The percent-decoded path without the query, e.g. `"/v1/jobs/42"`.
    public var path: String
    /// Decoded query parameters (`+` is a space); when a name repeats, the last value wins.
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Values of the route's `{name}` segments, filled by the router.
    public var pathParameters: [String: String]
    /// The request target exactly as sent (path and query, still percent-encoded).
    public var target: String
    /// `"HTTP/1.1"` or `"HTTP/1.0"`.
    public var version: String
    /// Fires when the client goes away before the response is written.
    public var disconnect: HTTPDisconnectSignal

    public init(
        method: String = "GET",
        path: String = "/",
        query: [String: String] = [:],
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        pathParameters: [String: String] = [:],
        target: String? = nil,
        version: String = "HTTP/1.1",
        disconnect: HTTPDisconnectSignal = HTTPDisconnectSignal()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.pathParameters = pathParameters
        self.target = target ?? path
        self.version = version
        self.disconnect = disconnect
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The path as sent, still percent-encoded, without the query: the router splits this so an
    /// encoded `/` (`%2F`) inside a parameter does not create a new segment.
    var rawPath: Substring {
        var path = target[...]
        if !path.hasPrefix("/"), let scheme = path.firstRange(of: "://") {
            // Absolute form (`http://host/path`): drop the scheme and authority.
            let afterAuthority = path[scheme.upperBound...]
            path = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterAuthority[$0...] } ?? ""
        }
        if let question = path.firstIndex(of: "?") { path = path[..<question] }
        return path.isEmpty ? "/" : path
    }
}
