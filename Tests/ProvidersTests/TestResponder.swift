import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 responder on 127.0.0.1 for client tests: blocking sockets, one thread for
/// `accept` and one per connection, keep-alive. The real server module lives elsewhere; this one
/// only needs to answer, hang, or reset on command.
///
/// `@unchecked Sendable`: `listenFD` is immutable after init; shared counters live in Mutexes.
final class TestResponder: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    enum Action: Sendable {
        case respond(status: Int, headers: [(String, String)], body: String)
        /// Answer after a pause (on the connection's own thread).
        case delayed(milliseconds: Int, status: Int, body: String)
        /// Read the request and never answer (until the client closes).
        case hang
        /// Close with RST (SO_LINGER 0) without answering.
        case reset
    }

    let port: Int
    private let listenFD: Int32
    private let handler: @Sendable (Request) -> Action
    private let recorded = Mutex<[Request]>([])
    private let connections = Mutex(0)
    private let stopped = Mutex(false)

    init(handler: @escaping @Sendable (Request) -> Action) throws {
        signal(SIGPIPE, SIG_IGN)
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { recorded.withLock { $0 } }
    var connectionsAccepted: Int { connections.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }

    /// A port on which nothing listens (bound, then closed).
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        close(fd)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if stopped.withLock({ $0 }) { return }
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            connections.withLock { $0 += 1 }
            let thread = Thread { [self] in serve(client) }
            thread.stackSize = 256 << 10
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        defer { close(fd) }
        while true {
            guard let request = readRequest(fd, &buffer) else { return }
            recorded.withLock { $0.append(request) }
            switch handler(request) {
            case .respond(let status, let headers, let body):
                if !write(fd, response(status: status, headers: headers, body: body)) { return }
            case .delayed(let ms, let status, let body):
                usleep(useconds_t(ms * 1000))
                if !write(fd, response(status: status, headers: [], body: body)) { return }
            case .hang:
                var scratch = [UInt8](repeating: 0, count: 1024)
                while read(fd, &scratch, scratch.count) > 0 {}
                return
            case .reset:
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                return
            }
        }
    }

    private func response(status: Int, headers: [(String, String)], body: String) -> [UInt8] {
        var text = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n" + body
        return Array(text.utf8)
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var scratch = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            if let end = buffer.firstRange(of: terminator) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let requestLine = lines.removeFirst().split(separator: " ")
                guard requestLine.count >= 2 else { return nil }
                var headers: [(String, String)] = []
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
                let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
                let bodyStart = end.upperBound
                while buffer.count < bodyStart + length {
                    let n = read(fd, &scratch, scratch.count)
                    if n <= 0 { return nil }
                    buffer.append(contentsOf: scratch[0..<n])
                }
                let body = Array(buffer[bodyStart..<bodyStart + length])
                buffer.removeSubrange(0..<bodyStart + length)
                return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
            }
            let n = read(fd, &scratch, scratch.count)
            if n <= 0 { return nil }
            buffer.append(contentsOf: scratch[0..<n])
        }
    }
}
