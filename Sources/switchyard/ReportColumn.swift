import Foundation
import Postgres
import Queue

/// One column of a view printed by a command: how to read it from a row and how to show it.
struct ReportColumn: Sendable {
    enum Kind: Sendable {
        /// A JSON string; left-aligned in tables.
        case text
        /// A JSON number (integer or decimal text from PostgreSQL); right-aligned in tables.
        case number
        /// A JSON boolean; shown as yes/no in tables.
        case bool
        /// An RFC 3339 string in JSON.
        case timestamp
    }

    /// The view's column name, also the JSON key.
    let name: String
    /// The table header.
    let header: String
    let kind: Kind
    /// Decimals a number shows in tables (JSON keeps every digit); nil shows it as the database wrote it.
    let decimals: Int?

    init(_ name: String, _ header: String, _ kind: Kind, decimals: Int? = nil) {
        self.name = name
        self.header = header
        self.kind = kind
        self.decimals = decimals
    }

    /// The value as JSON text (`null` for SQL NULL).
    func json(_ row: PostgresRow) -> String {
        guard let text = row[name] else { return "null" }
        switch kind {
        case .text: return JSONText.quoted(text)
        case .number: return Double(text).map { $0.isFinite ? text : "null" } ?? "null"
        case .bool: return row.bool(name).map { String($0) } ?? "null"
        case .timestamp: return row.date(name).map { JSONText.quoted(TimeArgument.format($0)) } ?? "null"
        }
    }

    /// The value as a table cell (`-` for SQL NULL).
    func cell(_ row: PostgresRow) -> String {
        guard let text = row[name] else { return "-" }
        switch kind {
        case .number:
            guard let decimals, let value = Double(text), value.isFinite else { return text }
            return String(format: "%.\(decimals)f", value)
        case .text: return text
        case .bool: return row.bool(name).map { $0 ? "yes" : "no" } ?? text
        case .timestamp: return row.date(name).map(TimeArgument.format) ?? text
        }
    }
}
