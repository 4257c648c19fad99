import Postgres
import Queue

/// Rows of an analytics view rendered for people (an aligned table) or for programs (a JSON array
/// of objects, one key per column, numbers as JSON numbers).
struct Report {
    let columns: [ReportColumn]
    let rows: [PostgresRow]

    init(columns: [ReportColumn], result: PostgresResult) {
        self.columns = columns
        self.rows = Array(result)
    }

    var json: String {
        let objects = rows.map { row in
            "{" + columns.map { JSONText.quoted($0.name) + ":" + $0.json(row) }.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",") + "]"
    }

    var table: String {
        TextTable.render(
            headers: columns.map(\.header), rows: rows.map { row in columns.map { $0.cell(row) } },
            rightAligned: columns.map { $0.kind == .number })
    }
}
