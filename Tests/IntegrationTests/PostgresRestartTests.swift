import Foundation
import Postgres
import Queue
import Testing
import TestSupport

/// Workers keep going when PostgreSQL restarts under them: a private cluster (scripts/pg) is
/// restarted mid-run and every job still finishes, once.
@Suite struct PostgresRestartTests {
    /// `pg_ctl` of the cluster's installation, run as the cluster's owner.
    static func pgctl(_ arguments: [String]) async throws -> (code: Int32, stdout: String, stderr: String) {
        let binaries = ["/usr/lib/postgresql"].flatMap { root in
            ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { "\(root)/\($0)/bin/pg_ctl" }
        }.filter { FileManager.default.isExecutableFile(atPath: $0) }.sorted()
        let pgctl = try #require(binaries.last, "no pg_ctl under /usr/lib/postgresql")
        if getuid() == 0 {
            return try await ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", pgctl] + arguments)
        }
        return try await ChildProcess.run(pgctl, arguments)
    }

    @Test func workersReconnectAfterARestartAndFinishEveryJob() async throws {
        let directory = "/tmp/sy-restart-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let script = TestDatabase.repositoryRoot.appendingPathComponent("scripts/pg").path
        let started = try await ChildProcess.run(script, ["start", directory], timeoutMs: 120_000)
        try #require(started.code == 0, "scripts/pg start: \(started.stderr)")
        let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let outcome: Result<Void, any Error>
        do {
            try await runWorkers(url: url, directory: directory)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        _ = try? await ChildProcess.run(script, ["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
        try outcome.get()
    }

    func runWorkers(url: String, directory: String) async throws {
        let environment = ["SWITCHYARD_DATABASE_URL": url]
        let migrated = try await ChildProcess.run(switchyardBinary, ["migrate"], environment: environment)
        try #require(migrated.code == 0, "\(migrated.stderr)")

        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        try await TerminalWriteLedger.install(client)
        let queue = JobQueue(client: client)
        let request = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"restart\"}]}"
        _ = try await queue.enqueue([NewJob](repeating: NewJob(route: "m", request: request), count: 2_000))

        // 2,000 jobs × 100 ms over 40 slots: at least 5 s of work, so the restart after the first
        // 200 comes mid-run even when this test polls slowly on a loaded machine.
        let arguments = ["worker", "--drain", "--executor-delay-ms", "100", "--concurrency", "20", "--lease-ms", "3000",
                         "--heartbeat-ms", "500", "--rescue-ms", "500", "--poll-ms", "200"]
        let workers = try (0..<2).map { _ in try ChildProcess(switchyardBinary, arguments, environment: environment) }
        let start = ContinuousClock.now
        var before: [JobState: Int] = [:]
        repeat {
            before = try await queue.countByState()
            if (before[.succeeded] ?? 0) >= 200 { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now - start < .seconds(60)
        #expect((before[.queued] ?? 0) > 0, "the restart comes mid-run: \(before)")
        let restarted = try await Self.pgctl(["-D", "\(directory)/data", "-m", "fast", "-w", "-t", "60", "restart"])
        try #require(restarted.code == 0, "pg_ctl restart: \(restarted.stderr)")

        for worker in workers {
            let end = await worker.wait(timeoutMs: 120_000)
            #expect(end == .exited(0), "\(worker.standardError)")
        }
        // The test's own client reconnects too (a call that was in flight may fail once).
        var states: [JobState: Int] = [:]
        for _ in 0..<5 {
            if let counted = try? await queue.countByState() { states = counted; break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(states == [.succeeded: 2_000])
        let writes = try await TerminalWriteLedger.counts(client)
        #expect(writes.once == 2_000 && writes.more == 0 && writes.overwrites == 0)
    }
}
