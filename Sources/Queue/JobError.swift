import Foundation

/// What went wrong with a job, stored as `jobs.error` (`{"code", "message", "detail"}`).
public struct JobError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short machine-readable code, e.g. `provider_error`, `lease_expired`, `deadline_exceeded`.
    public var code: String
    public var message: String
    /// Optional extra detail (e.g. the provider's own message); shown to the job's owner.
    public var detail: String?

    public init(code: String, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { "\(code): \(message)" }

    /// The JSON object stored in `jobs.error`.
    public var json: String {
        var text = "{\"code\":" + JSONText.quoted(code) + ",\"message\":" + JSONText.quoted(message)
        if let detail { text += ",\"detail\":" + JSONText.quoted(detail) }
        return text + "}"
    }

    /// Reads a stored `jobs.error` object; `nil` when `json` is not one.
    public init?(json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let code = object["code"] as? String else { return nil }
        self.init(code: code, message: object["message"] as? String ?? "", detail: object["detail"] as? String)
    }

    public static let cancelled = JobError(code: "cancelled", message: "the job was cancelled")
    public static let deadlineExceeded = JobError(code: "deadline_exceeded", message: "the job's deadline passed before it could finish")
}
