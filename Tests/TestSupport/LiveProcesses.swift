import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What runs on this machine, read from /proc: for tests that check nothing was left behind.
public enum LiveProcesses {
    /// True when `pid` is a live (not zombie) process whose command line mentions `name`, so a
    /// pid reused by an unrelated process does not count.
    public static func isRunning(_ pid: pid_t, named name: String = "switchyard") -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"),
            stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
        else { return false }
        let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return name.isEmpty || String(decoding: commandLine, as: UTF8.self).contains(name)
    }

    /// Live processes whose environment contains `text` (e.g. a test database's unique URL).
    public static func withEnvironment(containing text: String) -> [pid_t] {
        let needle = Data(text.utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard pid != getpid(), let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")),
                environment.range(of: needle) != nil
            else { return false }
            return isRunning(pid, named: "")
        }
    }

    /// The pids in lines like `worker-1 started (pid 1234)` that `pool` and `up` print.
    public static func startedPIDs(in output: String) -> [pid_t] {
        output.split(separator: "\n").compactMap { line -> pid_t? in
            guard line.contains(" started (pid "), let range = line.range(of: "(pid ") else { return nil }
            return pid_t(line[range.upperBound...].prefix { $0.isNumber })
        }
    }

    /// Waits until none of `pids` runs, or `timeoutMs` passes. - Returns: those still running.
    public static func waitUntilGone(_ pids: [pid_t], named name: String = "switchyard", timeoutMs: Int = 10_000) async -> [pid_t] {
        let start = ContinuousClock.now
        while true {
            let left = pids.filter { isRunning($0, named: name) }
            if left.isEmpty || ContinuousClock.now - start > .milliseconds(timeoutMs) { return left }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
