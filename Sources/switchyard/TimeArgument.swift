import Foundation

/// Parses RFC 3339 timestamps given on the command line.
enum TimeArgument {
    /// - Throws: `UsageError` naming `option` when `text` is not an RFC 3339 timestamp.
    static func parse(_ text: String, option: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        throw UsageError("option '\(option)' expects an RFC 3339 timestamp such as 2030-01-02T03:04:05Z, got '\(text)'")
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
