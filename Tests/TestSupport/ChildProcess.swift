import Foundation
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// A process started by a test: Worker's `Subprocess` (its own process group, default signal
/// dispositions and an empty signal mask, spawned from the long-lived spawn thread) with
/// SWITCHYARD_PARENT_DEATH_SIGNAL=1 so a `switchyard` child dies with the test process. Standard
/// output and error go to files read on demand.
public final class ChildProcess: Sendable {
    public typealias Termination = Subprocess.Termination

    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private let process: Subprocess

    /// Starts `executable` with `arguments`, the test's environment plus `environment`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutPath = directory.appendingPathComponent("stdout").path
        stderrPath = directory.appendingPathComponent("stderr").path

        var env = ProcessInfo.processInfo.environment
        env["SWITCHYARD_PARENT_DEATH_SIGNAL"] = "1"
        for (key, value) in environment { env[key] = value }
        var options = Subprocess.Options(executable: executable, arguments: arguments, environment: env, outputPath: stdoutPath)
        options.errorPath = stderrPath
        options.truncateOutput = true
        do {
            process = try Subprocess.startAndWait(options)
        } catch {
            throw ChildProcessError(message: "\(error)")
        }
        pid = process.pid
    }

    deinit {
        // A test that forgot its child: take the whole group down (zombies are reaped by `wait`).
        if process.poll() == nil { Glibc.kill(-pid, SIGKILL) }
    }

    /// Sends `signal` to the process (or its whole process group).
    public func send(_ signal: Int32, group: Bool = false) {
        process.send(signal, group: group)
    }

    /// Waits (polling, never blocking a thread) until the process ends or `timeoutMs` passes.
    /// - Returns: how it ended, or `nil` on timeout.
    public func wait(timeoutMs: Int = 30_000) async -> Termination? {
        await process.wait(timeoutMs: timeoutMs, pollMs: 10)
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
