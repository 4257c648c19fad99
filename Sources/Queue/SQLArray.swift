import Postgres

/// A PostgreSQL array literal bound as one text parameter, with NULL elements, built without
/// per-element allocations. Bulk statements `unnest` these, so one statement moves thousands of rows.
struct SQLArray: PostgresEncodable {
    let postgresText: String?

    /// `{1,2,NULL}` for a bigint[] or integer[] parameter.
    static func integers<T: BinaryInteger>(_ values: [T?]) -> SQLArray {
        var text = "{"
        text.reserveCapacity(values.count * 8 + 2)
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            if let value { text += String(value) } else { text += "NULL" }
        }
        return SQLArray(postgresText: text + "}")
    }

    static func integers<T: BinaryInteger>(_ values: [T]) -> SQLArray {
        var text = "{"
        text.reserveCapacity(values.count * 8 + 2)
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            text += String(value)
        }
        return SQLArray(postgresText: text + "}")
    }

    /// `{"a","b\"c",NULL}` for a text[] (or timestamptz[]) parameter; every element is quoted.
    static func strings(_ values: [String?]) -> SQLArray {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        bytes.append(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let value else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return SQLArray(postgresText: String(decoding: bytes, as: UTF8.self))
    }
}

/// A text parameter passed as is (e.g. a JSON document built by hand for a `::jsonb` cast).
struct SQLText: PostgresEncodable {
    let postgresText: String?
    init(_ text: String?) { postgresText = text }
}
