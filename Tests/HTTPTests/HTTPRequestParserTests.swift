@testable import HTTP
import Testing

/// What parsing a whole input should produce.
enum ParseOutcome: Sendable, CustomStringConvertible {
    /// Requests as `METHOD path body`.
    case requests([String])
    case error(Int)

    var description: String {
        switch self {
        case .requests(let requests): return "requests \(requests)"
        case .error(let status): return "error \(status)"
        }
    }
}

/// Feeds `input` in slices of `chunk` bytes and collects what comes out.
func parseAll(_ input: String, chunk: Int = .max, limits: HTTPParserLimits = HTTPParserLimits()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var requests: [String] = []
    let bytes = Array(input.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset &+ chunk)
        parser.append(contentsOf: bytes[offset ..< end])
        offset = end
        while true {
            do {
                switch try parser.parse() {
                case .needMoreData: break
                case .head: continue
                case .request(let request):
                    requests.append("\(request.method) \(request.path) \(request.bodyText)")
                    continue
                }
            } catch {
                return .error(error.status)
            }
            break
        }
    }
    return .requests(requests)
}

extension ParseOutcome: Equatable {}

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    static let cases: [(String, String, ParseOutcome)] = [
        ("simple GET", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", .requests(["GET /a "])),
        ("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", .requests(["GET / "])),
        ("leading empty lines", "\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n", .requests(["GET /a "])),
        ("content-length body", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", .requests(["POST /p hello"])),
        ("identical duplicate content-length", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", .requests(["POST /p hi"])),
        ("identical content-length list", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\nhi", .requests(["POST /p hi"])),
        ("chunked body", "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", .requests(["POST /p hello world"])),
        ("chunk extension and trailer", "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\nA;name=v\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", .requests(["POST /p 0123456789"])),
        ("pipelined", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nzGET /3 HTTP/1.1\r\nHost: x\r\n\r\n", .requests(["GET /1 ", "POST /2 z", "GET /3 "])),
        ("percent-decoded path", "GET /a%20b/c HTTP/1.1\r\nHost: x\r\n\r\n", .requests(["GET /a b/c "])),
        ("absolute form", "GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", .requests(["GET /x "])),
        ("obs-text in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: caf\u{e9}\r\n\r\n", .requests(["GET / "])),
        // Smuggling shapes and malformed input.
        ("content-length and transfer-encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .error(400)),
        ("differing content-lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", .error(400)),
        ("differing content-length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd", .error(400)),
        ("signed content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", .error(400)),
        ("hex content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc", .error(400)),
        ("empty content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", .error(400)),
        ("huge content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", .error(413)),
        ("non-chunked final coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n", .error(400)),
        ("unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", .error(400)),
        ("chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .error(400)),
        ("gzip then chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .error(501)),
        ("transfer-encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .error(400)),
        ("space before colon", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n", .error(400)),
        ("invalid header name", "GET / HTTP/1.1\r\nHost: x\r\nBad{Name}: 1\r\n\r\n", .error(400)),
        ("empty header name", "GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n", .error(400)),
        ("header without colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", .error(400)),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n", .error(400)),
        ("bare LF in headers", "GET / HTTP/1.1\nHost: x\n\n", .error(400)),
        ("bare LF after headers", "GET / HTTP/1.1\r\nHost: x\r\n\n", .error(400)),
        ("CR then a control byte (found by fuzzing)", "GET / HTTP/1.1\r\nHost: x\r\n\r\u{8}", .error(400)),
        ("bare CR", "GET / HTTP/1.1\r\nHost: x\rY: 1\r\n\r\n", .error(400)),
        ("NUL in header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n", .error(400)),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n", .error(400)),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .error(400)),
        ("double space in request line", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", .error(400)),
        ("lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n", .error(400)),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", .error(505)),
        ("relative target", "GET foo HTTP/1.1\r\nHost: x\r\n\r\n", .error(400)),
        ("bad percent-encoding", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", .error(400)),
        ("expect other than 100-continue", "POST / HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 0\r\n\r\n", .error(417)),
        ("chunk size not hex", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .error(400)),
        ("chunk size with space", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", .error(400)),
        ("negative chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", .error(400)),
        ("empty chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", .error(400)),
        ("overflowing chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n", .error(400)),
        ("chunk longer than its size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n", .error(400)),
        ("bare LF after chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", .error(400)),
        ("chunked body over the limit", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "10\r\n0123456789abcdef\r\n", count: 5) + "0\r\n\r\n", .error(413)),
        ("content-length over the limit", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", .error(413)),
        ("too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-A: 1\r\n", count: 101) + "\r\n", .error(431)),
        ("head too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n", .error(431)),
        ("endless head", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 70_000), .error(431)),
    ]

    static let testLimits = HTTPParserLimits(maxHeaderBytes: 64 * 1024, maxHeaderCount: 100, maxBodyBytes: 64)

    @Test("whole input", arguments: cases)
    func wholeInput(_ name: String, _ input: String, _ expected: ParseOutcome) {
        #expect(parseAll(input, limits: Self.testLimits) == expected, "\(name)")
    }

    @Test("byte by byte gives the same result", arguments: cases)
    func byteByByte(_ name: String, _ input: String, _ expected: ParseOutcome) {
        #expect(parseAll(input, chunk: 1, limits: Self.testLimits) == expected, "\(name)")
    }

    @Test func headCarriesFraming() throws {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: Array("POST /x?a=1&b=two+words&a=3 HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\n".utf8))
        guard case .head(let head) = try parser.parse() else {
            Issue.record("expected a head")
            return
        }
        #expect(head.contentLength == 3)
        #expect(head.expectsContinue)
        #expect(!head.keepAlive)
        #expect(head.request.query == ["a": "3", "b": "two words"])
        #expect(head.request.headers["host"] == "h")
        guard case .needMoreData = try parser.parse() else {
            Issue.record("expected to wait for the body")
            return
        }
        parser.append(contentsOf: Array("abc".utf8))
        guard case .request(let request) = try parser.parse() else {
            Issue.record("expected the request")
            return
        }
        #expect(request.bodyText == "abc")
        #expect(parser.isIdle)
    }

    @Test func keepAliveDefaults() throws {
        func keepAlive(_ text: String) throws -> Bool? {
            var parser = HTTPRequestParser()
            parser.append(contentsOf: Array(text.utf8))
            if case .head(let head) = try parser.parse() { return head.keepAlive }
            return nil
        }
        #expect(try keepAlive("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == true)
        #expect(try keepAlive("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n") == false)
        #expect(try keepAlive("GET / HTTP/1.0\r\n\r\n") == false)
        #expect(try keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") == true)
    }

    @Test func bodyLimitCanBeRaisedAfterTheHead() throws {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxBodyBytes: 2))
        parser.append(contentsOf: Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".utf8))
        guard case .head = try parser.parse() else { Issue.record("expected a head"); return }
        parser.bodyLimit = 5
        guard case .request(let request) = try parser.parse() else { Issue.record("expected the request"); return }
        #expect(request.bodyText == "hello")
    }

    @Test func staysFailedAfterAnError() {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: Array("GET / HTTP/1.1\nHost: x\n\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.parse() }
        parser.append(contentsOf: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.parse() }
    }
}
