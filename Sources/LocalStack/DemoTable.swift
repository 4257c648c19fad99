import Postgres

/// Rows to show as an aligned table: text cells, with the columns that hold numbers marked so
/// they can be right-aligned.
public struct DemoTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String]]
    /// Per column: every non-empty cell is a number.
    public var numeric: [Bool]

    public init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
        numeric = columns.indices.map { index in
            let cells = rows.map { $0[index] }.filter { $0 != "-" && !$0.isEmpty }
            return !cells.isEmpty && cells.allSatisfy { Double($0) != nil }
        }
    }

    /// Every column of a query result; SQL NULL shows as `-`.
    public init(_ result: PostgresResult) {
        self.init(columns: result.columns, rows: result.map { row in result.columns.indices.map { row[$0] ?? "-" } })
    }
}
