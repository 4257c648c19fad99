import Foundation

/// A value bound as a text-format parameter (`$1`, `$2`, ...). `postgresText` is the value's
/// PostgreSQL input text; nil binds SQL NULL. Text cannot contain NUL bytes (PostgreSQL text cannot either).
public protocol PostgresEncodable: Sendable {
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    /// Shortest text that reads back as the same Double; infinities and NaN in PostgreSQL's spelling.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)
    }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension Date: PostgresEncodable {
    /// RFC 3339 in UTC with microseconds (PostgreSQL's precision), e.g. `2026-11-22T01:52:06.123456Z`.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// A one-dimensional PostgreSQL array literal, e.g. `{"a","b \"c\""}`.
    public var postgresText: String? { PostgresArrayLiteral.encode(self.map { $0.postgresArrayElementText }) }
}

/// Values that can be elements of an array parameter.
public protocol PostgresArrayElement: Sendable {
    /// The element's text; nil is a NULL element.
    var postgresArrayElementText: String? { get }
}

extension String: PostgresArrayElement {
    public var postgresArrayElementText: String? { self }
}

extension Int: PostgresArrayElement {
    public var postgresArrayElementText: String? { String(self) }
}

extension Int32: PostgresArrayElement {
    public var postgresArrayElementText: String? { String(self) }
}

extension Int64: PostgresArrayElement {
    public var postgresArrayElementText: String? { String(self) }
}

extension Double: PostgresArrayElement {
    public var postgresArrayElementText: String? { postgresText }
}

extension Bool: PostgresArrayElement {
    public var postgresArrayElementText: String? { self ? "t" : "f" }
}

extension Date: PostgresArrayElement {
    public var postgresArrayElementText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public var postgresArrayElementText: String? { self?.postgresArrayElementText }
}

/// A JSON document bound as text, for `jsonb` / `json` parameters (cast with `$1::jsonb` where the
/// type is not otherwise clear).
public struct PostgresJSON: PostgresEncodable, Hashable {
    public let text: String

    public init(_ text: String) { self.text = text }

    /// - Parameter bytes: UTF-8 JSON, e.g. from `JSONEncoder`.
    public init(bytes: [UInt8]) { self.text = String(decoding: bytes, as: UTF8.self) }

    /// - Parameter data: UTF-8 JSON, e.g. from `JSONEncoder`.
    public init(data: Data) { self.text = String(decoding: data, as: UTF8.self) }

    public var postgresText: String? { text }
}
