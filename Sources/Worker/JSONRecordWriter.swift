import Providers

/// Writes a JSON array of flat objects straight into bytes, members in the order they are added:
/// the ledger's rows for `jsonb_to_recordset`, without building a dictionary per row and sorting
/// its keys (which showed in profiles of the gateway bench).
struct JSONRecordWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "[")]
    private var records = 0
    private var members = 0

    init(capacity: Int = 1_024) {
        bytes.reserveCapacity(capacity)
    }

    var isEmpty: Bool { records == 0 }

    /// Starts the next object.
    mutating func beginRecord() {
        if records > 0 { bytes.append(UInt8(ascii: "}")); bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        records += 1
        members = 0
    }

    private mutating func key(_ name: StaticString) {
        if members > 0 { bytes.append(UInt8(ascii: ",")) }
        members += 1
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string member; nothing for nil (the column reads NULL).
    mutating func add(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONValue.writeString(value, into: &bytes)
    }

    /// A member whose value is JSON text already (copied as it is); nothing for nil.
    mutating func add(_ name: StaticString, json value: String?) {
        guard var value else { return }
        key(name)
        value.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func add<T: BinaryInteger>(_ name: StaticString, _ value: T?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func add(_ name: StaticString, _ value: Double?) {
        guard let value else { return }
        key(name)
        JSONValue.writeDouble(value, into: &bytes)
    }

    mutating func add(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// The finished array.
    func finished() -> [UInt8] {
        var out = bytes
        if records > 0 { out.append(UInt8(ascii: "}")) }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
