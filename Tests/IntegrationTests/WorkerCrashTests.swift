import Foundation
import Postgres
import Queue
import Testing
import TestSupport

/// Real `switchyard worker` processes killed with SIGKILL mid-run: the jobs they held are rescued
/// when their leases expire, and every job still ends terminal with exactly one terminal write.
@Suite struct WorkerCrashTests {
    static func workerArguments(drain: Bool) -> [String] {
        ["worker", "--executor", "echo", "--executor-delay-ms", "20", "--concurrency", "40", "--lease-ms", "1000",
         "--heartbeat-ms", "200", "--rescue-ms", "200", "--poll-ms", "100", "--grace-ms", "2000"]
            + (drain ? ["--drain"] : [])
    }

    @Test func killedWorkersLoseNoJobAndWriteNoResultTwice() async throws {
        let url = try await TestDatabase.create()
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        try await TerminalWriteLedger.install(client)
        let queue = JobQueue(client: client)
        let request = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"crash\"}]}"
        _ = try await queue.enqueue([NewJob](repeating: NewJob(route: "m", request: request), count: 3_000))

        let environment = ["SWITCHYARD_DATABASE_URL": url]
        let doomed = try (0..<2).map { _ in
            try ChildProcess(switchyardBinary, Self.workerArguments(drain: false), environment: environment)
        }
        let survivor = try ChildProcess(switchyardBinary, Self.workerArguments(drain: false), environment: environment)
        // Let them get going, then kill two while they hold jobs.
        let start = Date()
        while try await (queue.countByState()[.succeeded] ?? 0) < 300 && Date().timeIntervalSince(start) < 30 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let running = try await queue.countByState()[.running] ?? 0
        #expect(running > 0)
        for process in doomed { process.send(SIGKILL, group: true) }
        for process in doomed { #expect(await process.wait(timeoutMs: 5_000) == .signalled(SIGKILL)) }

        let replacements = try (0..<2).map { _ in
            try ChildProcess(switchyardBinary, Self.workerArguments(drain: true), environment: environment)
        }
        for process in replacements {
            let end = await process.wait(timeoutMs: 120_000)
            #expect(end == .exited(0), "\(process.standardError)")
        }
        survivor.send(SIGTERM)
        #expect(await survivor.wait(timeoutMs: 10_000) == .exited(0), "\(survivor.standardError)")

        #expect(try await queue.countByState() == [.succeeded: 3_000])
        let writes = try await TerminalWriteLedger.counts(client)
        #expect(writes.once == 3_000 && writes.more == 0 && writes.overwrites == 0)
        let rescued = try await client.query("SELECT count(*) FROM switchyard.jobs WHERE attempt > 1")
        #expect((Int(rescued.first?[0] ?? "0") ?? 0) > 0, "some jobs held by the killed workers ran again")
    }

    @Test func sigtermFinishesInFlightJobsAndExitsZero() async throws {
        let url = try await TestDatabase.create()
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let request = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"term\"}]}"
        _ = try await queue.enqueue([NewJob](repeating: NewJob(route: "m", request: request), count: 500))
        let worker = try ChildProcess(
            switchyardBinary, ["worker", "--executor-delay-ms", "300", "--concurrency", "20", "--grace-ms", "5000"],
            environment: ["SWITCHYARD_DATABASE_URL": url])
        let start = Date()
        while try await (queue.countByState()[.running] ?? 0) < 20 && Date().timeIntervalSince(start) < 30 {
            try await Task.sleep(for: .milliseconds(20))
        }
        worker.send(SIGTERM)
        #expect(await worker.wait(timeoutMs: 10_000) == .exited(0), "\(worker.standardError)")
        let states = try await queue.countByState()
        #expect(states[.running] == nil)
        #expect((states[.succeeded] ?? 0) >= 20)
        #expect((states[.succeeded] ?? 0) + (states[.queued] ?? 0) == 500)
    }
}
