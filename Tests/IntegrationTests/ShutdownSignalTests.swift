import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM at any moment of a long-running command's start ends it: before its handler is attached
/// by the default action, after it by a clean stop. A signal lost in between (as with the dispatch
/// signal source, which registered asynchronously after setting SIG_IGN) left a worker running.
@Suite struct ShutdownSignalTests {
    static let delaysMs = [0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300]

    /// Starts `arguments` once per delay and sends SIGTERM after it, then five more times the moment
    /// `ready` shows in its output. A run must end within 15 s, with exit 0 or by the signal (never
    /// keep running: a lost signal).
    /// - Returns: the runs that did not, with their output.
    static func unstoppedRuns(_ arguments: [String], ready: String) async throws -> [String] {
        var failures: [String] = []
        for delay in delaysMs + [Int](repeating: -1, count: 5) {
            let process = try ChildProcess(switchyardBinary, arguments)
            if delay < 0 {
                let start = ContinuousClock.now
                while !(process.standardOutput + process.standardError).contains(ready),
                      ContinuousClock.now - start < .seconds(15) {
                    try await Task.sleep(for: .milliseconds(1))
                }
            } else if delay > 0 {
                try await Task.sleep(for: .milliseconds(delay))
            }
            let wasReady = (process.standardOutput + process.standardError).contains(ready)
            process.send(SIGTERM)
            let ending = await process.wait(timeoutMs: 15_000)
            switch ending {
            case .exited(0)?: continue
            case .signalled(SIGTERM)?: continue  // the mock and serve print their line just before attaching
            default:
                process.send(SIGKILL)
                _ = await process.wait(timeoutMs: 5_000)
                failures.append("\(arguments[0]) after \(delay < 0 ? "'\(ready)'" : "\(delay) ms") (ready: \(wasReady)): "
                                + "\(String(describing: ending)) \(process.standardError)")
            }
        }
        return failures
    }

    @Test func aWorkerStopsWheneverSIGTERMArrives() async throws {
        let url = try await TestDatabase.create()
        let failures0 = try await Self.unstoppedRuns(["worker", "--database-url", url, "--poll-ms", "100"], ready: "worker started")
        #expect(failures0.isEmpty, "\(failures0)")
        try await TestDatabase.drop(url)
    }

    @Test func serveAndTheMockStopWheneverSIGTERMArrives() async throws {
        let url = try await TestDatabase.create()
        let failures1 = try await Self.unstoppedRuns(["serve", "--database-url", url, "--port", "0"], ready: "serve listening")
        #expect(failures1.isEmpty, "\(failures1)")
        let failures2 = try await Self.unstoppedRuns(["mock-provider", "--port", "0"], ready: "mock-provider listening")
        #expect(failures2.isEmpty, "\(failures2)")
        try await TestDatabase.drop(url)
    }
}
