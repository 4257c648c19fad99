import CLibPQ

/// The rows of one statement, in text format. Values are read from libpq's result on access, so
/// unused columns cost nothing.
public struct PostgresResult: Sendable, RandomAccessCollection {
    public let columns: [String]
    /// Rows inserted, updated, deleted, selected, ... as the command tag reports (0 when it has none).
    public let affectedRows: Int
    /// The command tag, e.g. "INSERT 0 1", "UPDATE 3", "SELECT 2".
    public let commandTag: String
    let storage: PostgresResultStorage?

    init(consuming result: OpaquePointer) {
        let count = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(count)
        for index in 0..<count {
            columns.append(String(cString: PQfname(result, Int32(index))))
        }
        self.columns = columns
        self.commandTag = String(cString: PQcmdStatus(result))
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        self.storage = PostgresResultStorage(result: result, rowCount: Int(PQntuples(result)))
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage?.rowCount ?? 0 }

    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < endIndex, "PostgresResult row index out of range")
        return PostgresRow(result: self, row: position)
    }

    /// The index of `column` (exact, case-sensitive match on the result's column name).
    func columnIndex(_ column: String) -> Int? {
        columns.firstIndex(of: column)
    }
}

/// Owns a `PGresult`. libpq documents results as read-only after creation and safe to read from
/// any thread; nothing here writes to it after init, so sharing it is safe (`@unchecked Sendable`).
final class PostgresResultStorage: @unchecked Sendable {
    let result: OpaquePointer
    let rowCount: Int

    init(result: OpaquePointer, rowCount: Int) {
        self.result = result
        self.rowCount = rowCount
    }

    deinit { PQclear(result) }

    func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(result, Int32(row), Int32(column)) != 0
    }

    func string(_ row: Int, _ column: Int) -> String? {
        if isNull(row, column) { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    func bytes(_ row: Int, _ column: Int) -> [UInt8]? {
        if isNull(row, column) { return nil }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard let pointer = PQgetvalue(result, Int32(row), Int32(column)) else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}
