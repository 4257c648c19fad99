/// PostgreSQL's text form of one-dimensional arrays: `{1,2,NULL}`, `{"a b","c\"d"}`.
enum PostgresArrayLiteral {
    /// Every non-NULL element is double-quoted with `\` and `"` escaped, so commas, braces,
    /// whitespace and the word NULL inside strings all survive.
    static func encode(_ elements: [String?]) -> String {
        var text = "{"
        var first = true
        for element in elements {
            if !first { text.append(",") }
            first = false
            guard let element else {
                text.append("NULL")
                continue
            }
            text.append("\"")
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text.append("\\") }
                text.unicodeScalars.append(character)
            }
            text.append("\"")
        }
        text.append("}")
        return text
    }

    /// Parses PostgreSQL's output for a one-dimensional array; an unquoted `NULL` is nil.
    /// Returns nil for text that is not such an array (including multi-dimensional ones).
    static func decode(_ text: String) -> [String?]? {
        var bytes = Array(text.utf8)[...]
        // An explicit lower bound prefix: "[0:2]={1,2,3}".
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            bytes = bytes[(equals + 1)...]
        }
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        bytes = bytes.dropFirst().dropLast()
        var elements: [String?] = []
        if bytes.isEmpty { return elements }
        var index = bytes.startIndex
        let end = bytes.endIndex
        while true {
            var element: [UInt8] = []
            var quoted = false
            if index < end, bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1  // closing quote
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "{") { return nil }  // nested array
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
            }
            let value = String(decoding: element, as: UTF8.self)
            if !quoted && value.uppercased() == "NULL" {
                elements.append(nil)
            } else {
                elements.append(value)
            }
            if index >= end { break }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return elements
    }
}
