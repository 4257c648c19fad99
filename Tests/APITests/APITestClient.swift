#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Providers

/// One HTTP response as read off the socket.
struct APIResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
    /// `error.message` of an OpenAI-shaped error.
    var errorMessage: String { json["error"]?["message"]?.stringValue ?? "" }
}

/// A blocking HTTP/1.1 client (one request per connection) run on its own thread, so tests never
/// block the concurrency pool.
struct APITestClient: Sendable {
    let port: Int
    var key: String?

    func request(_ method: String, _ path: String, body: String? = nil, rawBody: [UInt8]? = nil,
                 contentType: String? = "application/json", headers: [(String, String)] = []) async -> APIResponse {
        let bytes = requestBytes(method, path, body: body, rawBody: rawBody, contentType: contentType, headers: headers)
        let port = self.port
        return await Self.onThread { Self.exchange(bytes, port: port) }
    }

    /// Sends a request and returns without reading the answer; the test hangs up with
    /// `HungUpRequest.hangUp()` while the server is still working on it.
    func send(_ method: String, _ path: String, body: String? = nil) async -> HungUpRequest? {
        let bytes = requestBytes(method, path, body: body, rawBody: nil, contentType: "application/json", headers: [])
        let port = self.port
        let fd = await Self.onThread { () -> Int32 in
            let fd = Self.connect(port: port)
            guard fd >= 0 else { return -1 }
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL)) }
            if sent != bytes.count {
                close(fd)
                return -1
            }
            return fd
        }
        return fd >= 0 ? HungUpRequest(fd: fd) : nil
    }

    private func requestBytes(_ method: String, _ path: String, body: String?, rawBody: [UInt8]?, contentType: String?,
                              headers: [(String, String)]) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        let payload = rawBody ?? body.map { Array($0.utf8) }
        if let payload {
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "Content-Length: \(payload.count)\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + (payload ?? [])
    }

    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }

    /// A connected socket to 127.0.0.1:`port`, or -1.
    private static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    func post(_ path: String, _ body: String, headers: [(String, String)] = []) async -> APIResponse {
        await request("POST", path, body: body, headers: headers)
    }

    func get(_ path: String) async -> APIResponse { await request("GET", path) }

    private static func exchange(_ bytes: [UInt8], port: Int) -> APIResponse {
        let failed = APIResponse(status: 0, headers: [], body: [])
        let fd = connect(port: port)
        guard fd >= 0 else { return failed }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 90, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }  // the server may answer (413) and close before reading everything
            offset += sent
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += chunk[0..<count]
        }
        guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { return failed }
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(received[end.upperBound...])
        if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }), body.count > length {
            body = Array(body.prefix(length))
        }
        return APIResponse(status: status, headers: headers, body: body)
    }
}

/// A request sent by `APITestClient.send` whose client has not read the answer yet.
final class HungUpRequest: Sendable {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    /// Closes the client's socket (a FIN) without reading anything.
    func hangUp() { close(fd) }
}
