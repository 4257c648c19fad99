/// Rows printed as aligned columns for people: two spaces between columns, numbers right-aligned.
enum TextTable {
    static func render(headers: [String], rows: [[String]], rightAligned: [Bool], indent: String = "") -> String {
        let widths = headers.indices.map { index in
            max(headers[index].count, rows.map { $0[index].count }.max() ?? 0)
        }
        func line(_ values: [String]) -> String {
            var parts: [String] = []
            for (index, value) in values.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - value.count)
                parts.append(rightAligned[index] ? pad + value : value + pad)
            }
            var text = indent + parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
