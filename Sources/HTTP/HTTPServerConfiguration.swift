/// Listening address, limits and deadlines of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 binds an ephemeral port; `HTTPServer.start()` returns the one bound.
    public var port = 8080
    /// Request line plus headers; beyond → 431.
    public var maxHeaderBytes = 64 * 1024
    /// Header fields per request; beyond → 431.
    public var maxHeaderCount = 100
    /// Default request body limit (routes may override it); beyond → 413.
    public var maxBodyBytes = 1 << 20
    /// Open connections; the excess is accepted and closed at once.
    public var maxConnections = 10_000
    /// Time allowed to receive a whole request head (and between body reads) once it has started,
    /// and for the first request on a new connection; beyond → 408 and close. Handler time is not counted.
    public var headerTimeoutMs = 10_000
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeoutMs = 60_000
    public var backlog = 4096

    public init() {}

    /// The same configuration on another port.
    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }
}
