#if canImport(Glibc)
import Glibc
#endif

/// Thin wrappers over the socket system calls the server needs.
enum Socket {
    /// A non-blocking, close-on-exec listening TCP socket with `SO_REUSEADDR`.
    /// - Returns: the descriptor and the bound port (useful when `port` is 0).
    /// - Throws: `HTTPServerError` naming the failing call.
    static func listen(host: String, port: Int, backlog: Int) throws -> (fd: Int32, port: Int) {
        let host = host == "localhost" ? "127.0.0.1" : host
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        var addr4 = sockaddr_in()
        var addr6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &addr4.sin_addr) == 1 {
            family = AF_INET
            addr4.sin_family = sa_family_t(AF_INET)
            addr4.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            withUnsafeBytes(of: addr4) { bytes in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else if inet_pton(AF_INET6, host, &addr6.sin6_addr) == 1 {
            family = AF_INET6
            addr6.sin6_family = sa_family_t(AF_INET6)
            addr6.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            withUnsafeBytes(of: addr6) { bytes in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            throw HTTPServerError("listen host '\(host)' is not an IPv4 or IPv6 address")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw HTTPServerError("bind \(host):\(port)", errno: code)
        }
        guard Glibc.listen(fd, Int32(clamping: backlog)) == 0 else {
            let code = errno
            close(fd)
            throw HTTPServerError("listen", errno: code)
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        let boundPort: UInt16 = withUnsafeBytes(of: actual) { bytes in
            // sin_port and sin6_port sit at the same offset, right after the family.
            UInt16(bigEndian: bytes.load(fromByteOffset: 2, as: UInt16.self))
        }
        return (fd, Int(boundPort))
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Closes with `SO_LINGER` 0 so the peer gets a RST instead of a FIN.
    static func closeWithReset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
    }

    /// Milliseconds on the monotonic clock.
    static func monotonicMs() -> Int64 {
        monotonicUs() / 1_000
    }

    static func monotonicUs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}
