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
        let cells = rows.map { row in columns.map { $0.cell(row) } }
        let widths = columns.indices.map { index in
            max(columns[index].header.count, cells.map { $0[index].count }.max() ?? 0)
        }
        func line(_ values: [String]) -> String {
            var parts: [String] = []
            for (index, value) in values.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - value.count)
                parts.append(columns[index].kind == .number ? pad + value : value + pad)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(columns.map(\.header))] + cells.map(line)).joined(separator: "\n")
    }
}
