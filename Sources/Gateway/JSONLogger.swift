#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Providers
import Synchronization

/// Structured logs: one JSON object per line, `{"time", "level", "msg", ...fields}` in that order.
///
/// Formatting happens on the caller's thread (a few microseconds); writing goes to `write`, which
/// for ``standardError(minimumLevel:)`` hands lines to a serial dispatch queue, so a slow or full
/// stderr pipe never stalls the concurrency pool. Callers pass only what may be shown: never keys,
/// and prompt text only when the user asked for it.
public final class JSONLogger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error

        public var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        public init?(name: String) {
            guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = level
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public let minimumLevel: Level
    private let write: @Sendable (String) -> Void
    private let flushWrites: @Sendable () async -> Void

    /// - Parameters:
    ///   - minimumLevel: lines below it are dropped before they are formatted.
    ///   - write: receives each complete line, newline included.
    ///   - flush: returns once every line handed to `write` so far is written.
    public init(minimumLevel: Level = .info, write: @escaping @Sendable (String) -> Void,
                flush: @escaping @Sendable () async -> Void = {}) {
        self.minimumLevel = minimumLevel
        self.write = write
        flushWrites = flush
    }

    /// Returns once every line logged so far is written (call before the process exits).
    public func flush() async { await flushWrites() }

    /// A logger that writes nothing (tests, benchmarks).
    public static let disabled = JSONLogger(minimumLevel: .error) { _ in }

    /// Lines on stderr, written by one background queue. When more than `maxPending` lines wait
    /// (nobody reads the pipe), new ones are dropped and counted; the next line written says how many.
    public static func standardError(minimumLevel: Level = .info, maxPending: Int = 10_000) -> JSONLogger {
        let writer = LineWriter(fd: 2, maxPending: maxPending)
        return JSONLogger(minimumLevel: minimumLevel, write: { line in writer.enqueue(line) }, flush: { await writer.flush() })
    }

    /// Whether a line at `level` would be written (to skip building costly fields).
    public func isEnabled(_ level: Level) -> Bool { level >= minimumLevel }

    /// Logs `message` with `fields` (in order; a nil value is left out).
    public func log(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, JSONValue?> = [:]) {
        guard level >= minimumLevel else { return }
        log(level, message, fields: Array(fields.map { ($0.key, $0.value) }))
    }

    /// Logs `message` with `fields` (in order; a nil value is left out).
    public func log(_ level: Level, _ message: String, fields: [(String, JSONValue?)]) {
        guard level >= minimumLevel else { return }
        write(Self.line(time: Date(), level: level, message: message, fields: fields))
    }

    /// One log line, newline included.
    static func line(time: Date, level: Level, message: String, fields: [(String, JSONValue?)]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: #"{"time":""#.utf8)
        out.append(contentsOf: TraceTimestamp.string(time).utf8)
        out.append(contentsOf: #"","level":""#.utf8)
        out.append(contentsOf: level.name.utf8)
        out.append(contentsOf: #"","msg":"#.utf8)
        JSONValue.string(message).write(into: &out)
        for (name, value) in fields {
            guard let value else { continue }
            out.append(UInt8(ascii: ","))
            JSONValue.string(name).write(into: &out)
            out.append(UInt8(ascii: ":"))
            value.write(into: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes lines to a descriptor from a serial queue, dropping lines beyond `maxPending`.
private final class LineWriter: Sendable {
    private let fd: Int32
    private let maxPending: Int
    private let queue = DispatchQueue(label: "switchyard.log")
    private let counts = Mutex((pending: 0, dropped: 0))

    init(fd: Int32, maxPending: Int) {
        self.fd = fd
        self.maxPending = maxPending
    }

    func enqueue(_ line: String) {
        let accepted = counts.withLock { counts -> Bool in
            guard counts.pending < maxPending else {
                counts.dropped += 1
                return false
            }
            counts.pending += 1
            return true
        }
        guard accepted else { return }
        queue.async { [self] in
            let dropped = counts.withLock { counts -> Int in
                counts.pending -= 1
                defer { counts.dropped = 0 }
                return counts.dropped
            }
            if dropped > 0 {
                writeAll(JSONLogger.line(time: Date(), level: .warning, message: "log lines dropped (stderr not read)",
                                         fields: [("dropped", .int(dropped))]))
            }
            writeAll(line)
        }
    }

    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }

    private func writeAll(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return  // stderr is gone: nothing sensible left to do with a log line
            }
        }
    }
}
