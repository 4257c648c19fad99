/// A command failed for a reason worth one line to the user (bad input data, missing job); exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
