import Foundation

/// Checks that a JSON text is a chat-completions request the queue can take:
/// an object with a non-empty string `model` and a non-empty `messages` array of objects with a `role`.
enum ChatRequestValidation {
    /// - Returns: the model name.
    /// - Throws: a message saying what is wrong.
    static func model(ofRequest text: String) throws(ValidationFailure) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ValidationFailure("not a JSON object")
        }
        guard let model = object["model"] as? String, !model.isEmpty else {
            throw ValidationFailure("missing \"model\" (a non-empty string)")
        }
        guard let messages = object["messages"] as? [Any], !messages.isEmpty else {
            throw ValidationFailure("missing \"messages\" (a non-empty array)")
        }
        for (index, message) in messages.enumerated() {
            guard let message = message as? [String: Any], message["role"] is String else {
                throw ValidationFailure("messages[\(index)] is not an object with a \"role\"")
            }
        }
        return model
    }

    struct ValidationFailure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
