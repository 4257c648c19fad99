/// A pool of connections, each owned by a dedicated thread; async callers wait on a continuation
/// (resumed exactly once) and never block the Swift concurrency pool.
///
/// A connection that broke (e.g. the server restarted) is replaced before the next call runs on it;
/// a call that was in flight when the connection broke throws a `PostgresError` whose
/// `isConnectionProblem` is true, and the caller decides whether to retry.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    public let maxConnections: Int
    private let pool: ConnectionPool

    /// Threads and connections start on demand, up to `maxConnections`.
    public init(configuration: PostgresConfiguration, maxConnections: Int = 4) {
        self.configuration = configuration
        self.maxConnections = max(1, maxConnections)
        self.pool = ConnectionPool(configuration: configuration, maxConnections: self.maxConnections)
    }

    deinit {
        pool.shutdown(join: false)
    }

    /// Runs `body` on one of the pool's threads with a live connection (reconnecting first if the
    /// last one broke). Keep `body` short and blocking-only: it holds the connection.
    /// - Throws: what `body` throws, or `PostgresError` (`.connectionFailed`, `.connectionClosed` after
    ///   `shutdown()`, `.cancelled` when the task was cancelled before the call was queued).
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        if Task.isCancelled {
            throw PostgresError(code: .cancelled, message: "the task was cancelled before the query was sent")
        }
        return try await withCheckedThrowingContinuation { continuation in
            pool.submit(
                ConnectionPool.Job(
                    run: { connection in continuation.resume(with: Result { try body(connection) }) },
                    fail: { error in continuation.resume(throwing: error) },
                    submittedAtMs: monotonicMs()))
        }
    }

    /// Runs one statement with bound parameters on a pooled connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> PostgresResult {
        try await withConnection { connection in try connection.query(sql, parameters) }
    }

    /// Runs SQL text with the simple protocol (several statements allowed, no parameters).
    public func execute(unsafeSQL sql: String) async throws {
        try await withConnection { connection in try connection.execute(unsafeSQL: sql) }
    }

    /// Runs `body` in BEGIN ... COMMIT on one connection; rolls back when it throws.
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in try connection.transaction(body) }
    }

    /// Fails calls still queued, waits for running ones, closes the connections and joins the
    /// threads. Later calls throw `.connectionClosed`. Blocks briefly; safe to call twice.
    public func shutdown() {
        pool.shutdown(join: true)
    }
}
