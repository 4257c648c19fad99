/// A `multipart/form-data` body (RFC 7578) split into its parts, as HTML forms and HTTP client
/// libraries (the OpenAI SDKs' file uploads among them) send it.
///
/// The parser works on the body already read by the server (so the route's body limit bounds it),
/// keeps part bodies as byte arrays, and refuses anything it cannot read unambiguously: a missing
/// or over-long boundary, a part without `Content-Disposition: form-data; name=...`, a body that
/// ends before the closing delimiter, more than `maxParts` parts or part headers over 16 KiB.
public struct MultipartFormData: Sendable {
    /// One part: a form field, or a file when `filename` is set.
    public struct Part: Sendable {
        /// The `name` parameter of its `Content-Disposition`.
        public var name: String
        /// The `filename` parameter, when the part is a file.
        public var filename: String?
        /// The part's own `Content-Type`, if it sent one.
        public var contentType: String?
        public var body: [UInt8]

        /// The body as UTF-8 text (invalid sequences replaced).
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Why a body could not be read; `message` is safe to show to the client.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    public private(set) var parts: [Part] = []

    static let maxHeaderBytes = 16 * 1024

    /// Splits `body` sent with `contentType` (which must be `multipart/form-data; boundary=...`).
    /// - Throws: `ParseError` naming what is wrong.
    public init(body: [UInt8], contentType: String?, maxParts: Int = 32) throws(ParseError) {
        guard let contentType, let boundary = Self.boundary(contentType: contentType) else {
            throw ParseError("Content-Type must be multipart/form-data with a boundary parameter, got '\(contentType ?? "none")'")
        }
        let delimiter = Array(("--" + boundary).utf8)
        // The first delimiter opens the body (an optional preamble before it ends with CRLF).
        var position: Int
        if body.starts(with: delimiter) {
            position = delimiter.count
        } else if let first = Self.findDelimiter(Array("\r\n".utf8) + delimiter, in: body, from: 0) {
            position = first + 2 + delimiter.count
        } else {
            throw ParseError("the multipart body has no '--\(boundary)' delimiter")
        }
        let nextDelimiter = Array("\r\n".utf8) + delimiter
        while true {
            // After a delimiter: "--" closes the body; otherwise optional whitespace, then CRLF.
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") {
                return
            }
            while position < body.count, body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t") {
                position += 1
            }
            guard body.count >= position + 2, body[position] == 13, body[position + 1] == 10 else {
                throw ParseError("the multipart body ends without the closing '--\(boundary)--' delimiter")
            }
            position += 2
            guard parts.count < maxParts else { throw ParseError("the multipart body has more than \(maxParts) parts") }
            if body[position...].starts(with: [13, 10]) {
                throw ParseError("part \(parts.count + 1) has no Content-Disposition header")
            }
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position, limit: Self.maxHeaderBytes) else {
                throw ParseError("part \(parts.count + 1) has no end of headers within \(Self.maxHeaderBytes) bytes")
            }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let contentEnd = Self.findDelimiter(nextDelimiter, in: body, from: contentStart) else {
                throw ParseError("part \(parts.count + 1) is not closed by a '--\(boundary)' delimiter")
            }
            parts.append(try Self.part(headers: headers, body: Array(body[contentStart..<contentEnd]), index: parts.count + 1))
            position = contentEnd + nextDelimiter.count
        }
    }

    /// The first part called `name`.
    public func part(named name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// The `boundary` parameter of a `multipart/form-data` media type (quoted or not), 1 to 70
    /// characters as RFC 2046 allows; `nil` for any other media type.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let media = pieces.first, media.trimmingOWS().lowercased() == "multipart/form-data" else {
            return nil
        }
        for (name, value) in parameters(pieces.dropFirst().joined(separator: ";")) where name == "boundary" {
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    private static func part(headers: String, body: [UInt8], index: Int) throws(ParseError) -> Part {
        var disposition: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw ParseError("part \(index) has a malformed header line") }
            let name = line[..<colon].trimmingOWS().lowercased()
            let value = String(line[line.index(after: colon)...].trimmingOWS())
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { contentType = value }
        }
        guard let disposition else { throw ParseError("part \(index) has no Content-Disposition header") }
        let pieces = disposition.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.first?.trimmingOWS().lowercased() == "form-data" else {
            throw ParseError("part \(index): Content-Disposition must be form-data, got '\(disposition)'")
        }
        let parameters = pieces.count > 1 ? Self.parameters(String(pieces[1])) : []
        guard let name = parameters.first(where: { $0.name == "name" })?.value else {
            throw ParseError("part \(index): Content-Disposition has no name parameter")
        }
        var filename = parameters.first(where: { $0.name == "filename" })?.value
        if let extended = parameters.first(where: { $0.name == "filename*" })?.value,
           let quote = extended.range(of: "''") {
            // RFC 5987: charset'language'percent-encoded (UTF-8 in practice).
            filename = HTTPRequestTarget.percentDecode(extended[quote.upperBound...], plusIsSpace: false) ?? filename
        }
        return Part(name: name, filename: filename, contentType: contentType, body: body)
    }

    /// `name=value` parameters after a media type or disposition; values may be quoted strings
    /// with backslash escapes. Names are lowercased.
    static func parameters(_ text: String) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var scalars = Substring(text).unicodeScalars[...]
        while true {
            while let first = scalars.first, first == " " || first == "\t" || first == ";" { scalars.removeFirst() }
            guard !scalars.isEmpty else { return result }
            var name = ""
            while let first = scalars.first, first != "=", first != ";" {
                name.unicodeScalars.append(first)
                scalars.removeFirst()
            }
            guard scalars.first == "=" else { continue }
            scalars.removeFirst()
            var value = ""
            if scalars.first == "\"" {
                scalars.removeFirst()
                while let first = scalars.first {
                    scalars.removeFirst()
                    if first == "\"" { break }
                    if first == "\\", let escaped = scalars.first {
                        value.unicodeScalars.append(escaped)
                        scalars.removeFirst()
                    } else {
                        value.unicodeScalars.append(first)
                    }
                }
            } else {
                while let first = scalars.first, first != ";" {
                    value.unicodeScalars.append(first)
                    scalars.removeFirst()
                }
                value = String(value.trimmingOWS())
            }
            result.append((String(name.trimmingOWS()).lowercased(), value))
        }
    }

    /// The first `delimiter` at or after `from` that is followed by `--`, CR, space, tab or the
    /// end of the body, so content that merely starts like the boundary (`--b` vs `--bb`) is kept.
    static func findDelimiter(_ delimiter: [UInt8], in body: [UInt8], from: Int) -> Int? {
        var start = from
        while let found = find(delimiter, in: body, from: start) {
            let next = found + delimiter.count
            if next >= body.count || [UInt8(ascii: "-"), 13, 32, 9].contains(body[next]) { return found }
            start = found + 1
        }
        return nil
    }

    /// The offset of the first `needle` in `haystack` at or after `from`, looking at most `limit`
    /// bytes past `from` for the start of a match.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int, limit: Int = Int.max) -> Int? {
        guard let first = needle.first, from >= 0 else { return nil }
        let lastStart = haystack.count - needle.count
        guard from <= lastStart else { return nil }
        let end = limit == Int.max ? lastStart : min(lastStart, from + limit)
        return haystack.withUnsafeBufferPointer { bytes -> Int? in
            var index = from
            while index <= end {
                if bytes[index] == first {
                    var matched = true
                    for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    if matched { return index }
                }
                index += 1
            }
            return nil
        }
    }
}
