/// Splits and decodes a request target (RFC 9112 §3.2): origin form `/path?query`, absolute form
/// `http://host/path?query`, and `*` for `OPTIONS`.
enum HTTPRequestTarget {
    /// - Returns: the percent-decoded path and the decoded query parameters.
    /// - Throws: `HTTPParseError` (400) for an unknown form or bad percent-encoding in the path.
    static func parse(_ target: String, method: String) throws -> (path: String, query: [String: String]) {
        var rest = Substring(target)
        if target == "*" {
            guard method == "OPTIONS" else { throw HTTPParseError.malformed("'*' target outside OPTIONS") }
            return ("*", [:])
        }
        if !rest.hasPrefix("/") {
            let lower = target.prefix(8).lowercased()
            let schemeLength = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
            guard schemeLength > 0 else { throw HTTPParseError.malformed("invalid request target") }
            rest = rest.dropFirst(schemeLength)
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = rest[slash...]
            } else {
                rest = ""
            }
        }
        var rawPath = rest
        var rawQuery: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            rawPath = rest[..<question]
            rawQuery = rest[rest.index(after: question)...]
        }
        if rawPath.isEmpty { rawPath = "/" }
        guard let path = percentDecode(rawPath, plusIsSpace: false) else {
            throw HTTPParseError.malformed("invalid percent-encoding in the path")
        }
        return (path, parseQuery(rawQuery))
    }

    /// `a=1&b=two+words`; a pair without `=` gets an empty value; undecodable text is kept as sent.
    static func parseQuery(_ query: Substring) -> [String: String] {
        guard !query.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let name: Substring, value: Substring
            if let equals = pair.firstIndex(of: "=") {
                name = pair[..<equals]
                value = pair[pair.index(after: equals)...]
            } else {
                name = pair
                value = ""
            }
            let decodedName = percentDecode(name, plusIsSpace: true) ?? String(name)
            result[decodedName] = percentDecode(value, plusIsSpace: true) ?? String(value)
        }
        return result
    }

    /// Decodes `%XX` escapes (and `+` when `plusIsSpace`); `nil` for a malformed escape.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        let utf8 = text.utf8
        if !utf8.contains(37) && !(plusIsSpace && utf8.contains(43)) { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == 37 {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex else { return nil }
                let second = utf8.index(after: first)
                guard second < utf8.endIndex,
                    let high = HTTPRequestParser.hexValue(utf8[first]),
                    let low = HTTPRequestParser.hexValue(utf8[second]) else { return nil }
                bytes.append(UInt8(high << 4 | low))
                index = utf8.index(after: second)
            } else {
                bytes.append(plusIsSpace && byte == 43 ? 32 : byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
