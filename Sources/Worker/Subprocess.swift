import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`: its own process group (so a terminal's Ctrl-C reaches
/// only the parent, which decides the order of shutdown), default signal dispositions and an empty
/// signal mask, standard input from /dev/null and output appended to a log file or inherited.
///
/// Nothing here blocks: `poll()` reaps with `WNOHANG` and `wait` polls with suspensions, so a
/// supervisor can watch many children from the concurrency pool.
public final class Subprocess: Sendable {
    /// How a process ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var isSuccess: Bool { self == .exited(0) }

        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signalled(let signal): "signal \(Subprocess.signalName(signal))"
            }
        }
    }

    public struct Options: Sendable {
        public var executable: String
        public var arguments: [String]
        /// The whole environment of the child (start from `ProcessInfo.processInfo.environment`).
        public var environment: [String: String]
        /// Standard output and error are appended here; nil inherits the parent's.
        public var outputPath: String?
        /// Standard error goes here instead, when set.
        public var errorPath: String?
        /// Truncate the output files first instead of appending.
        public var truncateOutput = false

        public init(executable: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                    outputPath: String? = nil) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.outputPath = outputPath
        }
    }

    public let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts the process (from the ``SpawnThread``, so a parent-death signal fires only when this
    /// process ends, not when some pool thread retires).
    /// - Throws: `SubprocessError` when the executable cannot be started or the log file opened.
    public static func start(_ options: Options) async throws -> Subprocess {
        let pid = try await SpawnThread.shared.run { try spawn(options) }
        return Subprocess(pid: pid)
    }

    /// `start` for synchronous callers (test fixtures): blocks the caller while the spawn thread starts it.
    public static func startAndWait(_ options: Options) throws -> Subprocess {
        let pid = try SpawnThread.shared.runAndWait { try spawn(options) }
        return Subprocess(pid: pid)
    }

    private static func spawn(_ options: Options) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Opened here, not in the child, so a bad path is an error of the caller, not a silent exit 127.
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        for (path, targets) in [(options.outputPath, options.errorPath == nil ? [1, 2] : [1]), (options.errorPath, [2])] {
            guard let path else { continue }
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (options.truncateOutput ? O_TRUNC : O_APPEND), 0o644)
            guard fd >= 0 else { throw SubprocessError(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
            opened.append(fd)
            for target in targets { posix_spawn_file_actions_adddup2(&actions, fd, Int32(target)) }
        }
        let argv = ([options.executable] + options.arguments).map { strdup($0) } + [nil]
        let envp = options.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, options.executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw SubprocessError(message: "cannot start \(options.executable): \(String(cString: strerror(status)))")
        }
        return child
    }

    /// Sends `signal` to the process, or to its whole process group (it leads one).
    public func send(_ signal: Int32, group: Bool = false) {
        guard termination == nil else { return }
        _ = kill(group ? -pid : pid, signal)
    }

    /// Reaps the process if it has ended (never blocks).
    /// - Returns: how it ended, or nil while it runs.
    @discardableResult
    public func poll() -> Termination? {
        ended.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                ended = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
            } else if result < 0 && errno == ECHILD {
                ended = .exited(-1)  // reaped elsewhere: report it as gone
            }
            return ended
        }
    }

    /// How it ended, if it has been reaped already.
    public var termination: Termination? { ended.withLock { $0 } }

    /// Waits (polling, never blocking a thread) until the process ends or `timeoutMs` passes.
    /// - Returns: how it ended, or nil on timeout.
    public func wait(timeoutMs: Int? = nil, pollMs: Int = 20) async -> Termination? {
        let start = ContinuousClock.now
        while true {
            if let termination = poll() { return termination }
            if let timeoutMs, ContinuousClock.now - start > .milliseconds(timeoutMs) { return nil }
            try? await Task.sleep(for: .milliseconds(pollMs))
        }
    }

    /// `TERM`, `KILL`, ... for the common signals, else the number.
    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: "TERM"
        case SIGKILL: "KILL"
        case SIGINT: "INT"
        case SIGHUP: "HUP"
        case SIGQUIT: "QUIT"
        case SIGABRT: "ABRT"
        case SIGSEGV: "SEGV"
        case SIGBUS: "BUS"
        case SIGILL: "ILL"
        case SIGTRAP: "TRAP"
        case SIGPIPE: "PIPE"
        default: String(signal)
        }
    }

    /// The absolute path of the running executable (`/proc/self/exe`), for starting copies of it.
    public static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            !path.hasSuffix(" (deleted)")
        {
            return path
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// A process that could not be started.
public struct SubprocessError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Subprocess.Options {
    /// Starts the running `switchyard` executable again with `arguments`, set up to get
    /// `parentDeathSignal` (`TERM`, `INT` or `KILL`) if this process dies without stopping it.
    public static func switchyard(
        _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        parentDeathSignal: String = "TERM", outputPath: String? = nil
    ) -> Subprocess.Options {
        var environment = environment
        environment["SWITCHYARD_PARENT_DEATH_SIGNAL"] = parentDeathSignal
        environment["SWITCHYARD_PARENT_PID"] = String(getpid())
        return Subprocess.Options(
            executable: Subprocess.currentExecutable, arguments: arguments, environment: environment, outputPath: outputPath)
    }
}
