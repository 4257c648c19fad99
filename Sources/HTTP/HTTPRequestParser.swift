/// An incremental, pure HTTP/1.x request parser: feed it bytes as they arrive and pull requests out.
///
/// It never touches a socket, so it can be unit-tested and fuzzed on its own. It enforces the
/// limits in `HTTPParserLimits` and rejects request-smuggling shapes (both `Content-Length` and
/// `Transfer-Encoding`, differing `Content-Length`s, bad chunk sizes, bare LF line endings, obs-fold,
/// invalid header names, a final transfer coding other than `chunked`). After the first error the
/// parser stays failed: the connection must be closed.
///
/// ```swift
/// parser.append(bytes)
/// while true {
///     switch try parser.parse() {
///     case .needMoreData: break loop
///     case .head(let head): parser.bodyLimit = limit(for: head)   // optional
///     case .request(let request): handle(request)
///     }
/// }
/// ```
public struct HTTPRequestParser: Sendable {
    public enum Progress: Sendable {
        /// Everything buffered has been consumed; `append` more bytes.
        case needMoreData
        /// A head is complete. The body (if any) is parsed by the next calls, against `bodyLimit`.
        case head(HTTPRequestHead)
        /// A whole request, body included.
        case request(HTTPRequest)
    }

    enum State: Sendable {
        case head
        case bodyStart(contentLength: Int?, isChunked: Bool)
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int, lines: Int)
    }

    static let cr: UInt8 = 13, lf: UInt8 = 10
    /// Longest accepted chunk-size line, extensions included.
    static let maxChunkLineBytes = 4096

    public let limits: HTTPParserLimits
    /// The body limit for the request being parsed; reset to `limits.maxBodyBytes` at every head.
    public var bodyLimit: Int

    var buffer: [UInt8] = []
    var readIndex = 0
    var state: State = .head
    /// Head scanning resumes here (an index into `buffer`), so trickled headers are not rescanned.
    var scanIndex = 0
    var lineStart = 0
    var headLines = 0
    var pending = HTTPRequest()
    var failure: HTTPParseError?

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
        bodyLimit = limits.maxBodyBytes
    }

    /// Bytes received but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the parser is between requests with nothing buffered (a clean place to close).
    public var isIdle: Bool {
        if case .head = state, bufferedByteCount == 0, failure == nil { return true }
        return false
    }

    /// Whether the parser is waiting for (the rest of) a request head.
    public var isReadingHead: Bool {
        if case .head = state { return true }
        return false
    }

    /// Whether the parser is inside a request (some of its head or body has been consumed).
    public var isInsideRequest: Bool {
        if case .head = state { return bufferedByteCount > 0 }
        return true
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Parses as far as the buffered bytes allow.
    /// - Throws: `HTTPParseError`; the same error again on every later call.
    public mutating func parse() throws(HTTPParseError) -> Progress {
        if let failure { throw failure }
        do {
            return try step()
        } catch let error as HTTPParseError {
            failure = error
            throw error
        } catch {
            let wrapped = HTTPParseError.malformed("\(error)")
            failure = wrapped
            throw wrapped
        }
    }

    private mutating func step() throws -> Progress {
        while true {
            switch state {
            case .head:
                guard let head = try parseHead() else { return .needMoreData }
                pending = head.request
                bodyLimit = limits.maxBodyBytes
                state = .bodyStart(contentLength: head.contentLength, isChunked: head.isChunked)
                return .head(head)
            case .bodyStart(let contentLength, let isChunked):
                if isChunked {
                    state = .chunkSize
                } else {
                    let length = contentLength ?? 0
                    if length > bodyLimit { throw HTTPParseError.bodyTooLarge(limit: bodyLimit) }
                    if length == 0 { return finish() }
                    pending.body.reserveCapacity(length)
                    state = .fixedBody(remaining: length)
                }
            case .fixedBody(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken == remaining { return finish() }
                state = .fixedBody(remaining: remaining - taken)
                return .needMoreData
            case .chunkSize:
                guard let line = try nextLine(maxBytes: Self.maxChunkLineBytes, what: "chunk size line") else {
                    return .needMoreData
                }
                let size = try Self.parseChunkSize(buffer[line])
                if size == 0 {
                    state = .trailers(bytes: 0, lines: 0)
                } else {
                    if size > bodyLimit - pending.body.count { throw HTTPParseError.bodyTooLarge(limit: bodyLimit) }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken < remaining {
                    state = .chunkData(remaining: remaining - taken)
                    return .needMoreData
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard bufferedByteCount >= 2 else {
                    if bufferedByteCount == 1 && buffer[readIndex] != Self.cr {
                        throw HTTPParseError.malformed("chunk data not followed by CRLF")
                    }
                    return .needMoreData
                }
                guard buffer[readIndex] == Self.cr, buffer[readIndex + 1] == Self.lf else {
                    throw HTTPParseError.malformed("chunk data not followed by CRLF")
                }
                readIndex += 2
                state = .chunkSize
            case .trailers(let bytes, let lines):
                let allowance = limits.maxHeaderBytes - bytes
                guard let line = try nextLine(maxBytes: allowance, what: "trailer section", status: 431) else {
                    return .needMoreData
                }
                if line.isEmpty { return finish() }
                if lines + 1 > limits.maxHeaderCount { throw HTTPParseError.headersTooLarge("too many trailer fields") }
                _ = try Self.parseField(buffer[line])   // validated, then dropped: trailers are not merged
                state = .trailers(bytes: bytes + line.count + 2, lines: lines + 1)
            }
        }
    }

    private mutating func finish() -> Progress {
        state = .head
        scanIndex = readIndex
        lineStart = readIndex
        headLines = 0
        let request = pending
        pending = HTTPRequest()
        return .request(request)
    }

    /// Moves up to `limit` buffered bytes into the pending body; returns how many.
    private mutating func takeBody(upTo limit: Int) -> Int {
        let count = min(limit, bufferedByteCount)
        if count > 0 {
            pending.body.append(contentsOf: buffer[readIndex ..< readIndex + count])
            readIndex += count
        }
        return count
    }

    /// The range of the next CRLF-terminated line (without the CRLF), consuming it; `nil` when the
    /// line is not complete yet.
    /// - Throws: 400 for a bare LF or a stray CR; `status` when no line end comes within `maxBytes`.
    private mutating func nextLine(maxBytes: Int, what: String, status: Int = 400) throws -> Range<Int>? {
        let end = min(buffer.count, readIndex + maxBytes + 2)
        var index = readIndex
        while index < end {
            let byte = buffer[index]
            if byte == Self.lf {
                guard index > readIndex, buffer[index - 1] == Self.cr else {
                    throw HTTPParseError.malformed("bare LF line ending in \(what)")
                }
                let line = readIndex ..< index - 1
                readIndex = index + 1
                return line
            }
            if byte == Self.cr, index + 1 < buffer.count, buffer[index + 1] != Self.lf {
                throw HTTPParseError.malformed("CR not followed by LF in \(what)")
            }
            index += 1
        }
        if buffer.count - readIndex > maxBytes + 1 {
            throw HTTPParseError(status: status, message: "\(what) too long")
        }
        return nil
    }

    /// Drops consumed bytes so the buffer does not grow with a long keep-alive connection.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0 ..< readIndex)
        } else {
            return
        }
        scanIndex -= readIndex
        lineStart -= readIndex
        readIndex = 0
    }

    static func parseChunkSize(_ line: ArraySlice<UInt8>) throws -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = hexValue(line[index]) {
            digits += 1
            if digits > 15 { throw HTTPParseError.malformed("chunk size too large") }
            size = size << 4 | value
            index += 1
        }
        guard digits > 0 else { throw HTTPParseError.malformed("invalid chunk size") }
        if index < line.endIndex {
            // Only chunk extensions may follow: `;name[=value]`, no CTLs, no whitespace before `;`.
            guard line[index] == UInt8(ascii: ";") else { throw HTTPParseError.malformed("invalid chunk size") }
            for byte in line[index...] where (byte < 0x20 && byte != 9) || byte == 0x7F {
                throw HTTPParseError.malformed("invalid chunk extension")
            }
        }
        return size
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48 ... 57: return Int(byte - 48)
        case 65 ... 70: return Int(byte - 55)
        case 97 ... 102: return Int(byte - 87)
        default: return nil
        }
    }
}
