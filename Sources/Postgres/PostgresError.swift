/// An error from PostgreSQL or from talking to it.
///
/// `description` is safe to show a user or write to a log: it holds the code, the SQLSTATE and the
/// server's primary message, never the query. `debugDescription` adds the server's detail and hint,
/// the constraint and the query text.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, broadly. Extensible: compare with the static members.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Could not open a connection (server down, refused, authentication failed, timeout).
        public static let connectionFailed = Code(rawValue: "connectionFailed")
        /// The connection broke while in use, or the client was shut down.
        public static let connectionClosed = Code(rawValue: "connectionClosed")
        /// The server answered with an error; `sqlState` says which.
        public static let server = Code(rawValue: "server")
        /// The server's answer was not what the call expects (e.g. COPY), or a value did not decode.
        public static let badResult = Code(rawValue: "badResult")
        /// A wait bounded by the client ran out.
        public static let timeout = Code(rawValue: "timeout")
        /// The calling task was cancelled before the call was sent.
        public static let cancelled = Code(rawValue: "cancelled")
        /// A parameter cannot be sent (e.g. text with a NUL byte).
        public static let invalidParameter = Code(rawValue: "invalidParameter")

        public var description: String { rawValue }
    }

    public var code: Code
    /// The five-character SQLSTATE, e.g. "23505" for a unique violation; nil for client-side errors.
    public var sqlState: String?
    /// The server's primary message, or ours.
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    /// The statement that failed, for `debugDescription` only.
    public var query: String?

    public init(
        code: Code, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, query: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.query = query
    }

    /// True when the connection was lost or could not be made (client-side connection errors, SQLSTATE
    /// class 08 except 08P01, and 57P01-57P03: admin/crash shutdown, cannot connect now). The statement may or may not
    /// have run; a caller whose work is idempotent (or checked) can retry, and the retry gets a new connection.
    public var isConnectionProblem: Bool {
        if code == .connectionFailed || code == .connectionClosed { return true }
        guard let sqlState else { return false }
        // 08P01 (protocol violation) is what a wrong parameter count gets: a bug, not a lost connection.
        if sqlState == "08P01" { return false }
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// A unique-constraint violation (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text = "PostgresError.\(code.rawValue)"
        if let sqlState { text += " (\(sqlState))" }
        return text + ": " + message
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        if let constraint { text += "\n  constraint: \(constraint)" }
        if let query { text += "\n  query: \(query)" }
        return text
    }
}
