extension HTTPRequestParser {
    /// Scans for the end of the head (resuming where the last call stopped) and parses it.
    /// - Returns: `nil` when the head is not complete yet.
    mutating func parseHead() throws -> HTTPRequestHead? {
        if scanIndex < readIndex { scanIndex = readIndex; lineStart = readIndex }
        var index = scanIndex
        let count = buffer.count
        while index < count {
            guard buffer[index] == Self.lf else {
                if buffer[index] == Self.cr, index + 1 < count, buffer[index + 1] != Self.lf {
                    throw HTTPParseError.malformed("CR not followed by LF in the request head")
                }
                index += 1
                continue
            }
            guard index > lineStart, buffer[index - 1] == Self.cr else {
                throw HTTPParseError.malformed("bare LF line ending in the request head")
            }
            if index - 1 == lineStart {
                if headLines == 0 {
                    // Empty lines before a request line are ignored (RFC 9112 §2.2).
                    readIndex = index + 1
                    lineStart = index + 1
                    index += 1
                    continue
                }
                let end = index + 1
                if end - readIndex > limits.maxHeaderBytes {
                    throw HTTPParseError.headersTooLarge("request head exceeds \(limits.maxHeaderBytes) bytes")
                }
                let head = try Self.parseHeadLines(buffer[readIndex ..< end], lineCount: headLines)
                readIndex = end
                scanIndex = end
                lineStart = end
                headLines = 0
                return head
            }
            headLines += 1
            if headLines > limits.maxHeaderCount + 1 {
                throw HTTPParseError.headersTooLarge("more than \(limits.maxHeaderCount) header fields")
            }
            lineStart = index + 1
            index += 1
        }
        // A trailing CR is looked at again with the byte that follows it (which must be LF).
        scanIndex = count > readIndex && buffer[count - 1] == Self.cr ? count - 1 : count
        if count - readIndex > limits.maxHeaderBytes {
            throw HTTPParseError.headersTooLarge("request head exceeds \(limits.maxHeaderBytes) bytes")
        }
        return nil
    }

    /// Parses a complete head: the request line, then header lines, each ending in CRLF, then CRLF.
    static func parseHeadLines(_ head: ArraySlice<UInt8>, lineCount: Int) throws -> HTTPRequestHead {
        var lines: [Range<Int>] = []
        lines.reserveCapacity(lineCount)
        var start = head.startIndex
        var index = start
        while index < head.endIndex {
            if head[index] == lf {
                if index - 1 > start { lines.append(start ..< index - 1) }
                start = index + 1
            }
            index += 1
        }
        guard let requestLine = lines.first else { throw HTTPParseError.malformed("missing request line") }
        let (method, target, version) = try parseRequestLine(head[requestLine])

        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(lines.count - 1)
        var contentLength: Int?
        var sawContentLength = false
        var codings: [String] = []
        var sawTransferEncoding = false
        var hostCount = 0
        var connectionClose = false
        var connectionKeepAlive = false
        var expectsContinue = false
        for line in lines.dropFirst() {
            let (name, value) = try parseField(head[line])
            fields.append((name: name, value: value))
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostCount += 1
            case 6 where name.equalsIgnoringASCIICase("expect"):
                guard value.equalsIgnoringASCIICase("100-continue") else {
                    throw HTTPParseError(status: 417, message: "unsupported Expect: \(value)")
                }
                expectsContinue = version == "HTTP/1.1"
            case 10 where name.equalsIgnoringASCIICase("connection"):
                for token in value.split(separator: ",") {
                    let option = String(token.trimmingOWS())
                    if option.equalsIgnoringASCIICase("close") { connectionClose = true }
                    if option.equalsIgnoringASCIICase("keep-alive") { connectionKeepAlive = true }
                }
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                sawContentLength = true
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let length = try parseContentLength(item.trimmingOWS())
                    if let contentLength, contentLength != length {
                        throw HTTPParseError.malformed("conflicting Content-Length values")
                    }
                    contentLength = length
                }
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                sawTransferEncoding = true
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let coding = item.trimmingOWS()
                    guard !coding.isEmpty else { throw HTTPParseError.malformed("empty transfer coding") }
                    codings.append(String(coding).lowercasedASCII())
                }
            default:
                break
            }
        }

        var isChunked = false
        if sawTransferEncoding {
            if sawContentLength {
                throw HTTPParseError.malformed("both Content-Length and Transfer-Encoding")
            }
            if version == "HTTP/1.0" {
                throw HTTPParseError.malformed("Transfer-Encoding in an HTTP/1.0 request")
            }
            guard codings.last == "chunked" else {
                throw HTTPParseError.malformed("the final transfer coding is not chunked")
            }
            guard codings.count == 1 else {
                if codings.dropLast().contains("chunked") {
                    throw HTTPParseError.malformed("chunked applied more than once")
                }
                throw HTTPParseError(status: 501, message: "unsupported transfer coding: \(codings.dropLast().joined(separator: ", "))")
            }
            isChunked = true
        }
        if hostCount > 1 { throw HTTPParseError.malformed("more than one Host header") }
        if hostCount == 0 && version == "HTTP/1.1" { throw HTTPParseError.malformed("missing Host header") }

        let (path, query) = try HTTPRequestTarget.parse(target, method: method)
        let request = HTTPRequest(
            method: method, path: path, query: query, headers: HTTPHeaders(fields: fields),
            target: target, version: version)
        let keepAlive = version == "HTTP/1.1" ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return HTTPRequestHead(
            request: request, contentLength: isChunked ? nil : (contentLength ?? 0), isChunked: isChunked,
            expectsContinue: expectsContinue, keepAlive: keepAlive)
    }

    /// `METHOD SP request-target SP HTTP-version`, single spaces, nothing else.
    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws -> (String, String, String) {
        guard let firstSpace = line.firstIndex(of: 32) else { throw HTTPParseError.malformed("malformed request line") }
        let methodBytes = line[line.startIndex ..< firstSpace]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else {
            throw HTTPParseError.malformed("invalid method")
        }
        let rest = line[(firstSpace + 1)...]
        guard let secondSpace = rest.firstIndex(of: 32) else { throw HTTPParseError.malformed("malformed request line") }
        let targetBytes = rest[rest.startIndex ..< secondSpace]
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw HTTPParseError.malformed("invalid request target")
        }
        let versionBytes = rest[(secondSpace + 1)...]
        let version: String
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = "HTTP/1.1"
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = "HTTP/1.0"
        } else if versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
            let major = versionBytes.dropFirst(5).first, major >= 48, major <= 57,
            versionBytes[versionBytes.startIndex + 6] == 46,
            let minor = versionBytes.last, minor >= 48, minor <= 57 {
            throw HTTPParseError(status: 505, message: "HTTP version not supported")
        } else {
            throw HTTPParseError.malformed("invalid HTTP version")
        }
        return (String(decoding: methodBytes, as: UTF8.self), String(decoding: targetBytes, as: UTF8.self), version)
    }

    /// `name ":" OWS value OWS`; rejects obs-fold, whitespace before the colon and CTLs in the value.
    static func parseField(_ line: ArraySlice<UInt8>) throws -> (String, String) {
        guard let first = line.first, first != 32, first != 9 else {
            throw HTTPParseError.malformed("obsolete line folding in a header")
        }
        guard let colon = line.firstIndex(of: 58) else { throw HTTPParseError.malformed("header line without a colon") }
        let nameBytes = line[line.startIndex ..< colon]
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(isTokenByte) else {
            throw HTTPParseError.malformed("invalid header name")
        }
        var valueStart = colon + 1
        var valueEnd = line.endIndex
        while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
        let valueBytes = line[valueStart ..< valueEnd]
        for byte in valueBytes where (byte < 32 && byte != 9) || byte == 127 {
            throw HTTPParseError.malformed("invalid character in a header value")
        }
        return (String(decoding: nameBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self))
    }

    static func parseContentLength(_ text: Substring) throws -> Int {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw HTTPParseError.malformed("invalid Content-Length")
        }
        guard text.utf8.count <= 15, let value = Int(text) else {
            throw HTTPParseError(status: 413, message: "Content-Length too large")
        }
        return value
    }

    /// RFC 9110 `tchar`.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 48 ... 57, 65 ... 90, 97 ... 122: return true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingOWS() -> SubSequence {
        var start = startIndex, end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[start ..< end]
    }
}

extension String {
    func lowercasedASCII() -> String {
        String(decoding: utf8.map(asciiLower), as: UTF8.self)
    }
}

extension HTTPHeaders {
    init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }
}
