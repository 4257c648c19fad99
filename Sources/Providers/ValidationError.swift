/// A chat request that is malformed or out of range. `field` is a path into the request body such as
/// `messages[2].role`, so an API can answer with the OpenAI error shape and `param` set to it.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// `messages[2].role: expected one of system, user, assistant, tool, developer`
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
