/// Why `switchyard up` could not start (or run) the local stack; the message says what to do.
public struct LocalStackError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
