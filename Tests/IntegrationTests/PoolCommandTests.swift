import Foundation
import Postgres
import Queue
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `switchyard pool FILE`: real worker processes supervised by a real pool process.
@Suite struct PoolCommandTests {
    /// Writes a pool file to a fresh temporary folder. - Returns: its path.
    static func poolFile(_ json: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sy-pool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("pool.json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Waits for `pool` to print a line containing every one of `texts`. - Returns: that line.
    static func waitForLine(_ process: ChildProcess, containing texts: String..., timeoutMs: Int = 30_000) async -> String? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(timeoutMs) {
            let lines = process.standardError.split(separator: "\n")
            if let line = lines.first(where: { line in texts.allSatisfy { line.contains($0) } }) { return String(line) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test func aSIGKILLedWorkerIsStartedAgain() async throws {
        let url = try await TestDatabase.create()
        let file = try Self.poolFile("""
            {"version": 1, "groups": [{"name": "echo", "executor": "echo", "count": 2, "concurrency": 4, "poll_ms": 100}],
             "restart": {"initial_backoff_ms": 100, "max_backoff_ms": 1000}}
            """)
        let pool = try ChildProcess(switchyardBinary, ["pool", file, "--database-url", url])
        let first = await Self.waitForLine(pool, containing: "echo-1 started (pid ")
        let victim = try #require(first.flatMap { LiveProcesses.startedPIDs(in: $0).first }, "\(pool.standardError)")
        #expect(await Self.waitForLine(pool, containing: "echo-2 started (pid ") != nil)

        kill(victim, SIGKILL)
        let restarted = await Self.waitForLine(pool, containing: "echo-1 started (pid", "restart 1)")
        let replacement = try #require(restarted.flatMap { LiveProcesses.startedPIDs(in: $0).first }, "\(pool.standardError)")
        #expect(replacement != victim)
        #expect(pool.standardError.contains("echo-1 (pid \(victim)) ended: signal KILL; starting it again in"))
        #expect(LiveProcesses.isRunning(replacement))

        pool.send(SIGTERM)
        #expect(await pool.wait(timeoutMs: 20_000) == .exited(0), "\(pool.standardError)")
        #expect(await LiveProcesses.waitUntilGone(LiveProcesses.startedPIDs(in: pool.standardError)).isEmpty)
        try await TestDatabase.drop(url)
    }

    @Test func sigtermLetsWorkersDrainAndExitsZero() async throws {
        let url = try await TestDatabase.create()
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let request = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"drain\"}]}"
        _ = try await queue.enqueue([NewJob](repeating: NewJob(route: "m", request: request), count: 200))
        let file = try Self.poolFile("""
            {"version": 1,
             "groups": [{"name": "slow", "executor": "echo", "count": 2, "concurrency": 5, "executor_delay_ms": 2000,
                         "grace_ms": 10000}]}
            """)
        let pool = try ChildProcess(switchyardBinary, ["pool", file, "--database-url", url])
        // Both workers run their 5 jobs (claimed 500 ms ago at least, so each is in a slot).
        var check = GracefulStopCheck(client: client)
        let executing = try await check.waitUntilExecuting(10)
        try #require(executing.reached, "jobs running under a claim 500 ms old: \(executing.seen)")
        try await check.markSignal()

        pool.send(SIGTERM)
        #expect(await pool.wait(timeoutMs: 30_000) == .exited(0), "\(pool.standardError)")
        let log = pool.standardError
        #expect(log.contains("stopping: SIGTERM to every worker"))
        #expect(log.contains("slow-1 (pid") && log.contains("ended: exit 0"))
        #expect(log.contains("every worker has exited"))
        #expect(!log.contains("still running after the shutdown grace period"), "\(log)")
        #expect(await LiveProcesses.waitUntilGone(LiveProcesses.startedPIDs(in: log)).isEmpty)
        // Drained: what was executing at SIGTERM finished, what was claimed but not started went back
        // unused; nothing is left running, and nothing new was claimed.
        let ends = try await check.ends()
        #expect(ends.states[.running] == nil)
        #expect((ends.states[.succeeded] ?? 0) + (ends.states[.queued] ?? 0) == 200)
        #expect((ends.states[.queued] ?? 0) > 0, "the pool stopped claiming")
        #expect(ends.finishedAfterSignal > 0, "jobs in flight at the signal finished after it")
        #expect(ends.queuedWithAttemptUsed == 0, "a job handed back used no attempt")
    }

    /// Bad pool files: each problem is named by its JSON path, and nothing starts.
    @Test(arguments: [
        (#"{"groups": [{"name": "w", "count": 0}]}"#, "groups[0].count: expected an integer in 1...256, found 0"),
        (#"{"groups": [{"name": "w", "executor": "gpu"}]}"#, "groups[0].executor: expected one of llm, echo, noop"),
        (#"{"groups": [{"count": 1}]}"#, "groups[0].name: required, but missing"),
        (#"{"groups": [{"name": "w", "queues": ["a b"]}]}"#, "groups[0].queues[0]: expected a queue name"),
        (#"{"groups": [{"name": "w", "environment": {"OPENAI_API_KEY": "sk"}}]}"#, "groups[0].environment.OPENAI_API_KEY: provider keys do not belong"),
        (#"{"groups": [{"name": "w", "grace_ms": 60000}], "stop_timeout_ms": 5000}"#, "stop_timeout_ms: expected more than the longest grace_ms"),
        (#"{"groups": [{"name": "w"}, {"name": "w"}]}"#, "groups[1].name: duplicate group name"),
        (#"{"groups": [], "worker": {}}"#, "worker: unknown key"),
        (#"{"groups": [{"name": "w",}]}"#, "(root): invalid JSON at line 1"),
    ])
    func aBadPoolFileIsRefusedNamingThePath(json: String, expected: String) async throws {
        let file = try Self.poolFile(json)
        let result = try await ChildProcess.run(switchyardBinary, ["pool", file])
        #expect(result.code == 1)
        #expect(result.stderr.contains("\(file): \(expected)"), "\(result.stderr)")
        #expect(!result.stderr.contains("started (pid"))
    }
}
