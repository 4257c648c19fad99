import Foundation

/// One row of a `PostgresResult`. Accessors return nil for SQL NULL, for an unknown column and for
/// text that does not parse as the asked-for type.
public struct PostgresRow: Sendable {
    public let result: PostgresResult
    public let row: Int

    public var columns: [String] { result.columns }

    /// The value's text, nil for SQL NULL.
    public subscript(_ index: Int) -> String? {
        guard index >= 0, index < result.columns.count, let storage = result.storage else { return nil }
        return storage.string(row, index)
    }

    /// The value's text, nil for SQL NULL or an unknown column.
    public subscript(_ column: String) -> String? {
        guard let index = result.columnIndex(column) else { return nil }
        return self[index]
    }

    public func isNull(_ column: String) -> Bool { self[column] == nil }

    public func string(_ column: String) -> String? { self[column] }
    public func string(_ index: Int) -> String? { self[index] }

    public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    public func int(_ index: Int) -> Int? { self[index].flatMap { Int($0) } }

    public func int32(_ column: String) -> Int32? { self[column].flatMap { Int32($0) } }
    public func int32(_ index: Int) -> Int32? { self[index].flatMap { Int32($0) } }

    public func int64(_ column: String) -> Int64? { self[column].flatMap { Int64($0) } }
    public func int64(_ index: Int) -> Int64? { self[index].flatMap { Int64($0) } }

    /// Also reads `numeric` text; `Infinity`, `-Infinity` and `NaN` as PostgreSQL spells them.
    public func double(_ column: String) -> Double? { self[column].flatMap(Self.parseDouble) }
    public func double(_ index: Int) -> Double? { self[index].flatMap(Self.parseDouble) }

    /// `t` / `f` (boolean text output).
    public func bool(_ column: String) -> Bool? { self[column].flatMap(Self.parseBool) }
    public func bool(_ index: Int) -> Bool? { self[index].flatMap(Self.parseBool) }

    /// `timestamptz` (any offset), `timestamp` (taken as UTC) or `date` (midnight UTC) in ISO output.
    public func date(_ column: String) -> Date? { self[column].flatMap(PostgresTimestamp.parse) }
    public func date(_ index: Int) -> Date? { self[index].flatMap(PostgresTimestamp.parse) }

    /// The value's raw UTF-8 bytes, e.g. a `jsonb` column for `JSONDecoder` without a String in between.
    public func bytes(_ column: String) -> [UInt8]? {
        guard let index = result.columnIndex(column) else { return nil }
        return bytes(index)
    }
    public func bytes(_ index: Int) -> [UInt8]? {
        guard index >= 0, index < result.columns.count, let storage = result.storage else { return nil }
        return storage.bytes(row, index)
    }

    /// A one-dimensional array's elements as text; NULL elements are nil.
    public func array(_ column: String) -> [String?]? { self[column].flatMap(PostgresArrayLiteral.decode) }
    public func array(_ index: Int) -> [String?]? { self[index].flatMap(PostgresArrayLiteral.decode) }

    /// A `text[]`; nil if the value or any element is NULL.
    public func stringArray(_ column: String) -> [String]? { nonNull(array(column)) }
    public func stringArray(_ index: Int) -> [String]? { nonNull(array(index)) }

    /// A `bigint[]` / `int[]`; nil if the value or any element is NULL or not an integer.
    public func int64Array(_ column: String) -> [Int64]? { nonNull(array(column))?.compactMapAll { Int64($0) } }
    public func int64Array(_ index: Int) -> [Int64]? { nonNull(array(index))?.compactMapAll { Int64($0) } }

    /// A `double precision[]`; nil if the value or any element is NULL or not a number.
    public func doubleArray(_ column: String) -> [Double]? { nonNull(array(column))?.compactMapAll(Self.parseDouble) }
    public func doubleArray(_ index: Int) -> [Double]? { nonNull(array(index))?.compactMapAll(Self.parseDouble) }

    /// A `boolean[]`; nil if the value or any element is NULL.
    public func boolArray(_ column: String) -> [Bool]? { nonNull(array(column))?.compactMapAll(Self.parseBool) }
    public func boolArray(_ index: Int) -> [Bool]? { nonNull(array(index))?.compactMapAll(Self.parseBool) }

    private func nonNull(_ elements: [String?]?) -> [String]? {
        guard let elements else { return nil }
        var values: [String] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard let element else { return nil }
            values.append(element)
        }
        return values
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }

    static func parseDouble(_ text: String) -> Double? {
        switch text {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}

extension Array {
    /// `map` that fails as a whole when any element fails.
    fileprivate func compactMapAll<T>(_ transform: (Element) -> T?) -> [T]? {
        var values: [T] = []
        values.reserveCapacity(count)
        for element in self {
            guard let value = transform(element) else { return nil }
            values.append(value)
        }
        return values
    }
}
