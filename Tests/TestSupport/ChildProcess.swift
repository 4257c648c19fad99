import Foundation
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// A process started by a test: its own process group, default signal dispositions and an empty
/// signal mask, and SWITCHYARD_PARENT_DEATH_SIGNAL=1 so a `switchyard` child dies with the test
/// process. Standard output and error go to files read on demand.
///
/// Spawned from Worker's long-lived `SpawnThread`: the kernel sends the parent-death signal when the
/// *thread* that spawned a child ends, and the concurrency pool's threads retire when idle.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String

    /// How a process ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Starts `executable` with `arguments`, the test's environment plus `environment`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutPath = directory.appendingPathComponent("stdout").path
        stderrPath = directory.appendingPathComponent("stderr").path

        var env = ProcessInfo.processInfo.environment
        env["SWITCHYARD_PARENT_DEATH_SIGNAL"] = "1"
        for (key, value) in environment { env[key] = value }

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
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        nonisolated(unsafe) let spawnArguments = (actions, attributes, argv, envp)  // used only until runAndWait returns
        let (status, child) = try SpawnThread.shared.runAndWait { () -> (Int32, pid_t) in
            var (actions, attributes, argv, envp) = spawnArguments
            var child: pid_t = 0
            let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
            return (status, child)
        }
        guard status == 0 else { throw ChildProcessError(message: "posix_spawn \(executable): \(String(cString: strerror(status)))") }
        pid = child
    }

    deinit {
        // A test that forgot its child: take the whole group down (zombies are reaped by `wait`).
        if waitpid(pid, nil, WNOHANG) == 0 { Glibc.kill(-pid, SIGKILL) }
    }

    /// Sends `signal` to the process (or its whole process group).
    public func send(_ signal: Int32, group: Bool = false) {
        _ = Glibc.kill(group ? -pid : pid, signal)
    }

    /// Waits (polling, never blocking a thread) until the process ends or `timeoutMs` passes.
    /// - Returns: how it ended, or `nil` on timeout.
    public func wait(timeoutMs: Int = 30_000) async -> Termination? {
        let start = DispatchTime.now().uptimeNanoseconds
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
                return .signalled(status & 0x7f)
            }
            if result < 0 { return nil }
            if DispatchTime.now().uptimeNanoseconds - start > UInt64(timeoutMs) * 1_000_000 { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    public var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Runs a process to completion.
    /// - Returns: its exit code (128 + signal when killed, -1 on timeout), stdout and stderr.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           timeoutMs: Int = 60_000) async throws -> (code: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable, arguments, environment: environment)
        let termination = await process.wait(timeoutMs: timeoutMs)
        let code: Int32
        switch termination {
        case .exited(let value)?: code = value
        case .signalled(let signal)?: code = 128 + signal
        case nil:
            process.send(SIGKILL, group: true)
            _ = await process.wait(timeoutMs: 5_000)
            code = -1
        }
        return (code, process.standardOutput, process.standardError)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
