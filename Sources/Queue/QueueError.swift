/// A queue-level failure that is not PostgreSQL's own (those are `PostgresError`).
public struct QueueError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// The database answered something the queue did not expect.
        public static let unexpectedResult = Code(rawValue: "unexpected_result")
        /// A request or options text was not exactly one JSON value.
        public static let invalidJSON = Code(rawValue: "invalid_json")
        public static let timeout = Code(rawValue: "timeout")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
