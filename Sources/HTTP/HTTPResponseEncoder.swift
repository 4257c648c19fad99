#if canImport(Glibc)
import Glibc
#endif

/// Serialises responses into a connection's output buffer on the loop thread, without Foundation.
/// Keeps the `Date` header line cached for the current second.
struct HTTPResponseEncoder {
    private var dateLine: [UInt8] = []
    private var dateSecond = -1

    /// Rebuilds the cached `Date:` line when the wall-clock second has changed.
    mutating func refreshDate() {
        let now = time(nil)
        guard now != dateSecond else { return }
        dateSecond = now
        var parts = tm()
        var seconds = now
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var line = "Date: \(days[Int(parts.tm_wday)]), "
        line += twoDigits(Int(parts.tm_mday)) + " " + months[Int(parts.tm_mon)] + " \(1900 + Int(parts.tm_year)) "
        line += twoDigits(Int(parts.tm_hour)) + ":" + twoDigits(Int(parts.tm_min)) + ":" + twoDigits(Int(parts.tm_sec))
        line += " GMT\r\n"
        dateLine = Array(line.utf8)
    }

    private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Appends the status line, headers and (unless `omitBody`) body of `response`.
    /// - Parameters:
    ///   - omitBody: for `HEAD` requests: `Content-Length` is still the body's length.
    ///   - keepAlive: `false` adds `Connection: close`.
    ///   - announceKeepAlive: add `Connection: keep-alive` when keeping the connection (HTTP/1.0 peers).
    func encode(_ response: HTTPResponse, omitBody: Bool, keepAlive: Bool, announceKeepAlive: Bool, into out: inout [UInt8]) {
        let status = (100 ... 999).contains(response.status) ? response.status : 500
        Self.append("HTTP/1.1 ", to: &out)
        Self.appendDecimal(status, to: &out)
        out.append(32)
        Self.append(Self.reasonPhrase(status), to: &out)
        Self.append("\r\n", to: &out)
        var hasDate = false
        for field in response.headers {
            switch field.name.utf8.count {
            case 10 where field.name.equalsIgnoringASCIICase("connection"): continue
            case 14 where field.name.equalsIgnoringASCIICase("content-length"): continue
            case 17 where field.name.equalsIgnoringASCIICase("transfer-encoding"): continue
            case 4 where field.name.equalsIgnoringASCIICase("date"): hasDate = true
            default: break
            }
            Self.appendSanitised(field.name, to: &out)
            out.append(58)
            out.append(32)
            Self.appendSanitised(field.value, to: &out)
            Self.append("\r\n", to: &out)
        }
        if !hasDate { out.append(contentsOf: dateLine) }
        let bodyAllowed = status >= 200 && status != 204 && status != 304
        if bodyAllowed {
            Self.append("Content-Length: ", to: &out)
            Self.appendDecimal(response.body.count, to: &out)
            Self.append("\r\n", to: &out)
        }
        if !keepAlive {
            Self.append("Connection: close\r\n", to: &out)
        } else if announceKeepAlive {
            Self.append("Connection: keep-alive\r\n", to: &out)
        }
        Self.append("\r\n", to: &out)
        if bodyAllowed && !omitBody { out.append(contentsOf: response.body) }
    }

    /// Header text with CR, LF and other controls replaced by spaces, so a value can never
    /// inject a header or end the head early.
    private static func appendSanitised(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 < 32 || $0 == 127 }) {
            out.append(contentsOf: utf8)
            return
        }
        for byte in utf8 { out.append(byte < 32 || byte == 127 ? 32 : byte) }
    }

    @inline(__always)
    static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(48 + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[19 - count] = 48 + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 425: return "Too Early"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 499: return "Client Closed Request"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        case 529: return "Site Overloaded"
        default: return "Status"
        }
    }
}
