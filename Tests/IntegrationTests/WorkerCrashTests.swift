import Foundation
import Postgres
import Queue
import Testing
import TestSupport

/// Real `switchyard worker` processes killed with SIGKILL mid-run: the jobs they held are rescued
/// when their leases expire, and every job still ends terminal with exactly one terminal write.
@Suite struct WorkerCrashTests {
    /// Workers of 40 slots. The doomed ones are made to be killed mid-run whatever the machine's
    /// speed: their jobs take a minute, so they hold what they claimed and drain nothing however long
    /// the survivor takes to start (a loaded full run once took over 15 s, and doomed workers with
    /// 500 ms jobs had emptied the queue by then), and their leases last 5 s, so the jobs they leave
    /// running are still theirs when the test looks (with 1 s, the survivor had once rescued them
    /// all while the kill was being reaped). The others run 200 ms jobs on 1 s leases.
    static func workerArguments(drain: Bool, doomed: Bool = false) -> [String] {
        ["worker", "--executor", "echo", "--executor-delay-ms", doomed ? "60000" : "200", "--concurrency", "40",
         "--lease-ms", doomed ? "5000" : "1000",
         "--heartbeat-ms", "200", "--rescue-ms", "200", "--poll-ms", "100", "--grace-ms", "2000"]
            + (drain ? ["--drain"] : [])
    }

    /// The jobs `process` holds right now (`running` under its worker id, which is `host:pid:random`).
    static func heldJobs(by process: ChildProcess, _ client: PostgresClient) async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*) FROM switchyard.jobs WHERE state = 'running' AND split_part(worker_id, ':', 2) = $1",
            [String(process.pid)])
        return Int(rows.first?[0] ?? "0") ?? 0
    }

    /// Waits up to 60 s until every one of `processes` holds jobs at once. - Returns: whether they did.
    static func waitUntilEachHoldsJobs(_ processes: [ChildProcess], _ client: PostgresClient) async throws -> Bool {
        let start = ContinuousClock.now
        repeat {
            var held: [Int] = []
            for process in processes { held.append(try await heldJobs(by: process, client)) }
            if held.allSatisfy({ $0 > 0 }) { return true }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now - start < .seconds(60)
        return false
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
        // The two doomed workers first; they claim jobs and finish none.
        let doomed = try (0..<2).map { _ in
            try ChildProcess(switchyardBinary, Self.workerArguments(drain: false, doomed: true), environment: environment)
        }
        try #require(try await Self.waitUntilEachHoldsJobs(doomed, client), "the doomed workers never both held jobs")
        // Then a survivor that is running when they die.
        let survivor = try ChildProcess(switchyardBinary, Self.workerArguments(drain: false), environment: environment)
        try #require(try await Self.waitUntilEachHoldsJobs(doomed + [survivor], client),
                     "the doomed workers and the survivor never all held jobs: \(survivor.standardError)")
        let queuedAtKill = try await queue.countByState()[.queued] ?? 0
        let doomedPIDs = doomed.map { String($0.pid) }
        for process in doomed { process.send(SIGKILL, group: true) }
        for process in doomed { #expect(await process.wait(timeoutMs: 5_000) == .signalled(SIGKILL)) }
        let doomedArray = "{" + doomedPIDs.joined(separator: ",") + "}"
        let orphans = try await client.query(
            "SELECT id FROM switchyard.jobs WHERE state = 'running' AND split_part(worker_id, ':', 2) = ANY($1::text[])",
            [doomedArray]).compactMap { $0[0] }
        #expect(!orphans.isEmpty, "the killed workers left jobs running under their leases")
        #expect(queuedAtKill > 0, "the kill came mid-run")

        let replacements = try (0..<2).map { _ in
            try ChildProcess(switchyardBinary, Self.workerArguments(drain: true), environment: environment)
        }
        for process in replacements {
            let end = await process.wait(timeoutMs: 120_000)
            #expect(end == .exited(0), "\(process.standardError)")
        }
        survivor.send(SIGTERM)
        #expect(await survivor.wait(timeoutMs: 30_000) == .exited(0), "\(survivor.standardError)")

        #expect(try await queue.countByState() == [.succeeded: 3_000])
        let writes = try await TerminalWriteLedger.counts(client)
        #expect(writes.once == 3_000 && writes.more == 0 && writes.overwrites == 0)
        // The jobs the killed workers left running were rescued and finished by another worker.
        let orphansFinishedElsewhere = try await client.query(
            """
            SELECT count(*) FROM switchyard.jobs WHERE id = ANY($1::bigint[]) AND state = 'succeeded'
              AND NOT split_part(worker_id, ':', 2) = ANY($2::text[])
            """, ["{" + orphans.joined(separator: ",") + "}", doomedArray])
        #expect(Int(orphansFinishedElsewhere.first?[0] ?? "") == orphans.count, "\(orphans.count) orphaned jobs")
    }

    /// SIGTERM: the worker stops claiming, finishes what it is executing, hands back (`queued`, no
    /// attempt used) what it claimed but had not started, and exits 0. Which claimed jobs had started
    /// is up to the scheduler, so the test checks each job's end against that promise, not a count.
    @Test func sigtermFinishesInFlightJobsAndExitsZero() async throws {
        let url = try await TestDatabase.create()
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let request = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"term\"}]}"
        _ = try await queue.enqueue([NewJob](repeating: NewJob(route: "m", request: request), count: 200))
        // 200 jobs × 2 s over 20 slots: 20 s of work, so the signal comes mid-run, while all 20 run.
        let worker = try ChildProcess(
            switchyardBinary, ["worker", "--executor-delay-ms", "2000", "--concurrency", "20", "--grace-ms", "10000"],
            environment: ["SWITCHYARD_DATABASE_URL": url])
        var check = GracefulStopCheck(client: client)
        let executing = try await check.waitUntilExecuting(20)
        try #require(executing.reached, "jobs running under a claim 500 ms old: \(executing.seen)")
        try await check.markSignal()
        worker.send(SIGTERM)
        #expect(await worker.wait(timeoutMs: 30_000) == .exited(0), "\(worker.standardError)")
        #expect(!worker.standardError.contains("still running after the shutdown grace period"), "\(worker.standardError)")

        let ends = try await check.ends()
        #expect(ends.states[.running] == nil)
        #expect((ends.states[.succeeded] ?? 0) + (ends.states[.queued] ?? 0) == 200)
        #expect((ends.states[.queued] ?? 0) > 0, "the worker stopped claiming")
        #expect(ends.finishedAfterSignal > 0, "jobs in flight at the signal finished after it")
        #expect(ends.queuedWithAttemptUsed == 0, "a job handed back used no attempt")
    }
}
