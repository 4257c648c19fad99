import CLibPQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Blocking: use it from one thread at a time, never from the Swift concurrency
/// pool (that is what `PostgresClient` is for). Not `Sendable` for that reason.
///
/// Queries are prepared once per connection and SQL text (`PQprepare`) and then run with
/// `PQexecPrepared`; parameters are always bound in text format.
public final class PostgresConnection {
    public let configuration: PostgresConfiguration
    private var handle: OpaquePointer?
    /// SQL text → prepared statement name.
    private var statements: [String: String] = [:]
    private var statementCounter = 0
    private var savepointCounter = 0

    private init(handle: OpaquePointer, configuration: PostgresConfiguration) {
        self.handle = handle
        self.configuration = configuration
    }

    deinit { close() }

    /// Opens a connection, retrying for up to `configuration.reconnectWaitMs` while the server refuses
    /// connections or is starting up. Blocks the calling thread.
    /// - Throws: `PostgresError` with code `.connectionFailed`.
    public static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnection {
        let deadline = monotonicMs() + max(configuration.reconnectWaitMs, 0)
        var backoffMs = 20
        while true {
            do {
                return PostgresConnection(handle: try openHandle(configuration), configuration: configuration)
            } catch let error as PostgresError {
                let now = monotonicMs()
                guard Self.isTransient(error), now < deadline else { throw error }
                usleep(UInt32(min(backoffMs, max(deadline - now, 1))) * 1000)
                backoffMs = min(backoffMs * 2, 500)
            }
        }
    }

    private static func openHandle(_ configuration: PostgresConfiguration) throws -> OpaquePointer {
        let parameters = configuration.connectionParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        sy_silence_notices(handle)
        return handle
    }

    /// Connection failures worth waiting out: the server is down, restarting or overloaded, not
    /// misconfiguration (bad password, unknown database or role).
    private static func isTransient(_ error: PostgresError) -> Bool {
        let message = error.message.lowercased()
        for permanent in ["password", "authentication", "does not exist", "pg_hba.conf", "invalid", "unsupported"]
        where message.contains(permanent) {
            return false
        }
        return true
    }

    /// Closes the connection (PQfinish). Later calls throw `.connectionClosed`.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        statements.removeAll()
    }

    /// Open, not broken, and not stuck in an unknown protocol state.
    public var isHealthy: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        return PQtransactionStatus(handle) != PQTRANS_UNKNOWN
    }

    /// The server process id serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// Inside a transaction block (open or failed).
    public var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    // MARK: Queries

    /// Runs one statement with bound parameters (`$1`, `$2`, ...). nil binds SQL NULL.
    /// - Throws: `PostgresError` (`.server` with `sqlState`, or a connection code).
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> PostgresResult {
        let handle = try liveHandle(sql)
        var texts: [String?] = []
        texts.reserveCapacity(parameters.count)
        for parameter in parameters { texts.append(parameter?.postgresText) }
        if configuration.statementCacheCapacity <= 0 {
            return try Self.withParameterPointers(texts, sql) { pointers in
                try check(PQexecParams(handle, sql, Int32(texts.count), nil, pointers, nil, nil, 0), sql)
            }
        }
        var retried = false
        while true {
            let (name, freshlyPrepared) = try preparedName(for: sql, handle: handle)
            do {
                return try Self.withParameterPointers(texts, sql) { pointers in
                    try check(PQexecPrepared(handle, name, Int32(texts.count), pointers, nil, nil, 0), sql)
                }
            } catch let error as PostgresError {
                // A statement prepared earlier can go stale: a schema change altered its result type
                // (0A000) or someone ran DEALLOCATE/DISCARD (26000). Outside a transaction block the
                // failed statement did nothing, so preparing again and retrying once is safe.
                let stale = error.sqlState == "26000"
                    || (error.sqlState == "0A000" && error.message.contains("cached plan"))
                guard stale, !freshlyPrepared, !retried, PQtransactionStatus(handle) == PQTRANS_IDLE else { throw error }
                retried = true
                statements[sql] = nil
                if error.sqlState == "0A000" { _ = try? execute(unsafeSQL: "DEALLOCATE \(name)") }
            }
        }
    }

    /// Runs SQL text with the simple protocol: no parameters, several statements allowed (migration
    /// files). Never build this text from user input.
    public func execute(unsafeSQL sql: String) throws {
        let handle = try liveHandle(sql)
        _ = try check(PQexec(handle, sql), sql)
    }

    /// Runs `body` inside BEGIN ... COMMIT; rolls back and rethrows when `body` throws. Called inside
    /// a transaction, it uses a savepoint instead. A COMMIT that the server turns into a rollback
    /// (a statement failed and the error was swallowed) throws.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try transaction(prelude: nil, body, epilogue: nil)
    }

    /// A transaction whose first and last round trips carry more: `prelude` (e.g. `SET LOCAL`s) runs
    /// with BEGIN, and the simple-protocol SQL that `epilogue` returns for the body's value runs
    /// with COMMIT, after it, in a transaction of its own (best effort: its failure is ignored, the
    /// transaction is committed either way). Two round trips fewer than sending them apart. Both
    /// are SQL text with no parameters: build them from constants and `literal(_:)`, never from
    /// input. Inside a transaction, `prelude` runs after the savepoint and the epilogue right after
    /// its release, inside the outer transaction.
    public func transaction<T>(
        prelude: String?, _ body: (PostgresConnection) throws -> T, epilogue: ((T) -> String?)?
    ) throws -> T {
        if isInTransaction {
            savepointCounter += 1
            let savepoint = "sy_savepoint_\(savepointCounter)"
            try execute(unsafeSQL: "SAVEPOINT \(savepoint)" + (prelude.map { "; " + $0 } ?? ""))
            do {
                let value = try body(self)
                try execute(unsafeSQL: "RELEASE SAVEPOINT \(savepoint)")
                if let after = epilogue?(value) { try? execute(unsafeSQL: after) }
                return value
            } catch {
                _ = try? execute(unsafeSQL: "ROLLBACK TO SAVEPOINT \(savepoint)")
                throw error
            }
        }
        do {
            try execute(unsafeSQL: "BEGIN" + (prelude.map { "; " + $0 } ?? ""))
        } catch {
            if isInTransaction { rollbackQuietly() }  // BEGIN ran, the prelude failed
            throw error
        }
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        try commit(then: epilogue?(value))
        return value
    }

    /// COMMIT, and `after` in the same round trip (one simple query: it runs only once COMMIT
    /// succeeded, and not at all for a transaction a failed statement left aborted, whose COMMIT
    /// is a rollback). Only the COMMIT's outcome counts; every result is read, so the connection
    /// is ready for the next statement whatever `after` did.
    private func commit(then after: String?) throws {
        let handle = try liveHandle("COMMIT")
        guard let after, PQtransactionStatus(handle) == PQTRANS_INTRANS else {
            let result = try check(PQexec(handle, "COMMIT"), "COMMIT")
            try Self.checkCommitted(result)
            return
        }
        let sql = "COMMIT; " + after
        guard PQsendQuery(handle, sql) == 1 else { throw connectionError(query: sql) }
        var first: OpaquePointer?
        while let result = PQgetResult(handle) {
            if first == nil { first = result } else { PQclear(result) }
        }
        try Self.checkCommitted(try check(first, "COMMIT"))
    }

    private static func checkCommitted(_ result: PostgresResult) throws {
        if result.commandTag != "COMMIT" {
            throw PostgresError(
                code: .server, sqlState: "25P02",
                message: "transaction rolled back at COMMIT: a statement in it failed", query: "COMMIT")
        }
    }

    /// `text` as an SQL string literal (quotes doubled; `standard_conforming_strings` is on, as it is
    /// by default since PostgreSQL 9.1, so backslashes are plain characters).
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    func rollbackQuietly() {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        if let result = PQexec(handle, "ROLLBACK") { PQclear(result) }
    }

    // MARK: Pool and listener support

    /// False when the server has closed the connection (e.g. it restarted) while it sat idle, found
    /// without a round trip: a readable socket on an idle connection means a goodbye or EOF.
    func checkAlive() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return true }
        // Something arrived while idle: a NOTIFY, a parameter change, or a terminated backend's last
        // words, whose EOF may still be in flight. An empty query settles it with one round trip
        // (rare: only when the idle socket was readable).
        if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK { return false }
        guard let result = PQexec(handle, "") else { return false }
        defer { PQclear(result) }
        return PQresultStatus(result) == PGRES_EMPTY_QUERY && PQstatus(handle) == CONNECTION_OK
    }

    /// Leaves the connection ready for the next user: rolls back a transaction left open.
    func resetAfterUse() {
        guard let handle else { return }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return
        case PQTRANS_INTRANS, PQTRANS_INERROR: rollbackQuietly()
        default: close()  // mid-query or unknown: not reusable
        }
    }

    var socketDescriptor: Int32 {
        guard let handle else { return -1 }
        return PQsocket(handle)
    }

    /// Reads what the server sent; false when the connection broke.
    func consumeInput() -> Bool {
        guard let handle else { return false }
        return PQconsumeInput(handle) != 0 && PQstatus(handle) == CONNECTION_OK
    }

    /// Notifications read so far (call `consumeInput()` first).
    func takeNotifications() -> [PostgresNotification] {
        guard let handle else { return [] }
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            let channel = String(cString: notify.pointee.relname)
            let payload = notify.pointee.extra.map { String(cString: $0) } ?? ""
            notifications.append(PostgresNotification(channel: channel, payload: payload))
            PQfreemem(notify)
        }
        return notifications
    }

    /// `"name"` with embedded quotes doubled, for LISTEN and other identifiers that cannot be bound.
    public static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Internals

    private func liveHandle(_ sql: String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionClosed, message: "connection is closed", query: sql)
        }
        return handle
    }

    private func preparedName(for sql: String, handle: OpaquePointer) throws -> (String, Bool) {
        if let name = statements[sql] { return (name, false) }
        if statements.count >= configuration.statementCacheCapacity {
            // Prepared statements live outside transactions, so this is fine mid-transaction too.
            if let result = PQexec(handle, "DEALLOCATE ALL") { PQclear(result) }
            statements.removeAll()
        }
        statementCounter += 1
        let name = "sy_\(statementCounter)"
        _ = try check(PQprepare(handle, name, sql, 0, nil), sql)
        statements[sql] = name
        return (name, true)
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws -> PostgresResult {
        guard let result else {
            throw connectionError(query: sql)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(consuming: result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            defer { PQclear(result) }
            throw serverError(result, query: sql)
        default:
            let status = String(cString: PQresStatus(PQresultStatus(result)))
            PQclear(result)
            close()  // after an unexpected COPY or similar state the connection cannot be trusted
            throw PostgresError(code: .badResult, message: "unexpected result status \(status)", query: sql)
        }
    }

    private func serverError(_ result: OpaquePointer, query: String) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let broken = handle.map { PQstatus($0) != CONNECTION_OK } ?? true
        let sqlState = field(SY_PG_DIAG_SQLSTATE)
        var message = field(SY_PG_DIAG_MESSAGE_PRIMARY)
        if message == nil {
            message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if message?.isEmpty ?? true, let handle { message = Self.errorMessage(handle) }
        return PostgresError(
            code: broken ? .connectionClosed : (sqlState == nil ? .badResult : .server),
            sqlState: sqlState,
            message: message ?? "unknown error",
            detail: field(SY_PG_DIAG_MESSAGE_DETAIL),
            hint: field(SY_PG_DIAG_MESSAGE_HINT),
            constraint: field(SY_PG_DIAG_CONSTRAINT_NAME),
            query: query)
    }

    private func connectionError(query: String) -> PostgresError {
        guard let handle else {
            return PostgresError(code: .connectionClosed, message: "connection is closed", query: query)
        }
        let broken = PQstatus(handle) != CONNECTION_OK
        return PostgresError(
            code: broken ? .connectionClosed : .badResult, message: Self.errorMessage(handle), query: query)
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "unknown libpq error" : message
    }

    /// Parameters as one NUL-separated buffer and pointers into it: one allocation for the text.
    private static func withParameterPointers<R>(
        _ texts: [String?], _ sql: String,
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
    ) throws -> R {
        if texts.isEmpty { return try body(nil) }
        var size = 1
        for text in texts { size += (text?.utf8.count ?? 0) + 1 }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(size)
        var offsets: [Int] = []
        offsets.reserveCapacity(texts.count)
        for (position, text) in texts.enumerated() {
            guard let text else {
                offsets.append(-1)
                continue
            }
            let start = buffer.count
            buffer.append(contentsOf: text.utf8)
            if buffer[start...].contains(0) {
                throw PostgresError(
                    code: .invalidParameter,
                    message: "parameter $\(position + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                    query: sql)
            }
            offsets.append(start)
            buffer.append(0)
        }
        buffer.append(0)
        return try buffer.withUnsafeBufferPointer { raw in
            let base = UnsafeRawPointer(raw.baseAddress!).assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
            return try pointers.withUnsafeBufferPointer { try body($0.baseAddress) }
        }
    }
}

/// Milliseconds on the monotonic clock.
func monotonicMs() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
}
