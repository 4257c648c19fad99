import Foundation
import Synchronization
import Testing
@testable import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor over plain shell processes: restart with backoff, done on exit 0, kill after the stop timeout.
@Suite struct ProcessSupervisorTests {
    /// Collects the supervisor's events.
    final class Events: Sendable {
        let all = Mutex<[ProcessSupervisor.Event]>([])
        func append(_ event: ProcessSupervisor.Event) { all.withLock { $0.append(event) } }
        var restartDelays: [Int] {
            all.withLock { events in
                events.compactMap { if case .exited(_, _, _, let delay?) = $0 { delay } else { nil } }
            }
        }
        var startedPIDs: [pid_t] {
            all.withLock { events in events.compactMap { if case .started(_, let pid, _) = $0 { pid } else { nil } } }
        }
    }

    static func shell(_ name: String, _ script: String) -> SupervisedProcess {
        SupervisedProcess(name: name, options: Subprocess.Options(executable: "/bin/sh", arguments: ["-c", script]))
    }

    @Test func aCrashingProcessIsRestartedWithGrowingDelays() async throws {
        let events = Events()
        let supervisor = ProcessSupervisor(
            processes: [Self.shell("crash", "exit 3")], restart: RestartPolicy(initialBackoffMs: 40, maxBackoffMs: 320),
            pollMs: 5, onEvent: events.append)
        let run = Task { await supervisor.run() }
        let start = ContinuousClock.now
        while events.restartDelays.count < 5, ContinuousClock.now - start < .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }
        supervisor.stop()
        let outcome = await run.value
        let delays = events.restartDelays
        #expect(delays.count >= 5)
        // base * 2^(n-1), capped at 320, minus at most 20% jitter.
        for (index, delay) in delays.prefix(5).enumerated() {
            let full = min(40 << index, 320)
            #expect(delay <= full && delay >= full * 8 / 10, "restart \(index + 1): \(delay) ms")
        }
        #expect(outcome.killed.isEmpty)
        #expect(outcome.terminations["crash"] == .exited(3))
    }

    @Test func aProcessThatExitsZeroIsDoneAndRunReturns() async throws {
        let events = Events()
        let supervisor = ProcessSupervisor(processes: [Self.shell("once", "exit 0")], pollMs: 5, onEvent: events.append)
        let outcome = await supervisor.run()
        #expect(outcome.terminations == ["once": .exited(0)])
        #expect(events.startedPIDs.count == 1)
        #expect(events.restartDelays.isEmpty)
    }

    @Test func stopForwardsTheStopSignalAndKillsWhatIgnoresIt() async throws {
        let events = Events()
        // Each shell touches a file once its trap is set: stopping before that would test nothing.
        let ready = FileManager.default.temporaryDirectory.appendingPathComponent("sy-supervisor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: ready, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: ready) }
        let supervisor = ProcessSupervisor(
            processes: [Self.shell("polite", "trap 'exit 0' TERM; touch '\(ready.path)/polite'; while true; do sleep 0.05; done"),
                        Self.shell("stubborn", "trap '' TERM; touch '\(ready.path)/stubborn'; while true; do sleep 0.05; done")],
            stopTimeoutMs: 2_000, pollMs: 5, onEvent: events.append)
        let run = Task { await supervisor.run() }
        let trapsSet = { ["polite", "stubborn"].allSatisfy { FileManager.default.fileExists(atPath: ready.appendingPathComponent($0).path) } }
        let start = ContinuousClock.now
        while !trapsSet(), ContinuousClock.now - start < .seconds(60) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(trapsSet())
        supervisor.stop()
        let outcome = await run.value
        #expect(outcome.killed == ["stubborn"])
        #expect(outcome.terminations["polite"] == .exited(0))
        #expect(outcome.terminations["stubborn"] == .signalled(SIGKILL))
        for pid in events.startedPIDs { #expect(kill(pid, 0) != 0, "pid \(pid) is gone") }
    }
}
