#if canImport(Glibc)
import Glibc
#endif

/// A failure to set up the listening socket or the event loop.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// What failed, e.g. `bind 127.0.0.1:8080`.
    public var operation: String
    /// The C `errno`, or 0 when not from a system call.
    public var errno: Int32

    public init(_ operation: String, errno: Int32 = 0) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        errno == 0 ? operation : "\(operation): \(String(cString: strerror(errno)))"
    }
}
