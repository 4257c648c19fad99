/// A profile file (or a profile posted at run time) that cannot be used, naming the JSON field.
public struct MockProfileError: Error, Sendable, CustomStringConvertible {
    /// Dotted path of the field, e.g. `models.gpt-4o.errors.504`; empty for the document itself.
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String {
        field.isEmpty ? "invalid profile: \(message)" : "invalid profile field '\(field)': \(message)"
    }
}
