import Foundation
import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `switchyard up`: the whole stack as child processes of one command, and nothing left behind.
@Suite struct UpCommandTests {
    static let root = TestDatabase.repositoryRoot.path

    /// The repository's files, named explicitly (the test's working directory may be elsewhere).
    static func arguments(stateDirectory: String) -> [String] {
        ["--port", "0", "--mock-port", "0", "--state-dir", stateDirectory, "--config", "\(root)/examples/switchyard.json",
         "--pool", "\(root)/workers/pool.json", "--mock-profile", "\(root)/examples/mock-profile.json"]
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sy-up-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The `key=value` pairs of the demo's last line (`demo: share_gpt-4o=51.2 ...`).
    static func summary(_ output: String) -> [String: String] {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("demo: ") }) else { return [:] }
        var pairs: [String: String] = [:]
        for word in line.dropFirst("demo: ".count).split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { pairs[parts[0]] = parts[1] }
        }
        return pairs
    }

    @Test func demoWalksTheSeedScenarioAndLeavesNothingRunning() async throws {
        let url = try await TestDatabase.create()
        let state = try Self.temporaryDirectory()
        let up = try ChildProcess(
            switchyardBinary,
            ["up", "--demo", "--database-url", url, "--docs", "\(Self.root)/examples/docs"] + Self.arguments(stateDirectory: state))
        let end = await up.wait(timeoutMs: 300_000)
        let output = up.standardOutput
        #expect(end == .exited(0), "\(output)\n\(up.standardError)")

        let summary = Self.summary(output)
        // 50/50: both models served a real share of the route.
        for model in ["gpt-4o", "gpt-4o-mini"] {
            let share = Double(summary["share_\(model)"] ?? "") ?? 0
            #expect(share > 25 && share < 75, "\(model): \(summary)")
        }
        // The documents went in as a docs batch, and its results were shown as `results` exports them.
        let batchID = try #require(summary["batch_id"].flatMap { Int64($0) }, "\(summary)")
        #expect(output.contains("$ switchyard docs submit examples/docs --task summarize --model chat"))
        #expect(output.contains("Batch \(batchID) is completed."), "\(output)")
        #expect(output.contains("$ switchyard results \(batchID) --format csv"))
        #expect(output.contains("file") && output.contains("total_tokens") && output.contains("examples/docs/contract-msa-acme-deepcrest.md"))
        // Failover during the outage, in the trace table and in the ledger.
        #expect((Int(summary["failovers"] ?? "") ?? 0) > 0, "\(summary)")
        #expect((Int(summary["outage_errors"] ?? "") ?? 0) > 0, "\(summary)")
        #expect(output.contains("gpt-4o server_error 503 -> gpt-4o-mini ok 200"))
        #expect(output.contains("from_deployment  from_outcome  to_deployment"))
        // ... and in the workers' JSON logs, one line per failover, quoted by the demo.
        #expect(summary["failover_log_lines"] == summary["failovers"], "\(summary)")
        let quoted = output.split(separator: "\n").filter { $0.contains(#""level":"warning","msg":"failover""#) }
        #expect(!quoted.isEmpty, "\(output)")
        let loggedJobs = quoted.compactMap { line -> Int64? in
            guard let range = line.range(of: #""job_id":""#) else { return nil }
            return Int64(line[range.upperBound...].prefix(while: \.isNumber))
        }
        #expect(loggedJobs.count == quoted.count)
        #expect(quoted.allSatisfy { $0.contains(#""from_deployment":"gpt-4o","to_deployment":"gpt-4o-mini","outcome":"server_error","status":503"#) })
        #expect(output.contains(#""msg":"circuit breaker opened""#))
        // Cache hits and the analytics views.
        #expect((Int(summary["cache_hits"] ?? "") ?? 0) > 0, "\(summary)")
        #expect((Double(summary["cache_hit_rate_pct"] ?? "") ?? 0) > 0, "\(summary)")
        #expect((Double(summary["savings_pct"] ?? "") ?? 0) > 0, "\(summary)")
        #expect(output.contains("p50_ms") && output.contains("total_tokens"))
        // Complexity routing with the classifier's reasoning for every prompt.
        #expect(summary["auto_prompts"] == "6" && summary["auto_reasoned"] == "6", "\(summary)")
        #expect(output.contains("Prompt classified as 'math' with complexity"))
        #expect(output.contains("For HIGH complexity + 'analysis' tasks, the table routes to claude-3-5-sonnet."))
        // The OpenAI-style call and its headers.
        #expect(summary["http_status"] == "200", "\(summary)")
        #expect(output.contains("x-switchyard-model: gpt-4o"))

        // What the demo reported is what the database holds.
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let failovers = try await client.query("SELECT count(*) FROM analytics.failover_events")
        #expect(failovers.first?[0] == summary["failovers"])
        let logged = try await client.query(
            "SELECT count(DISTINCT job_id) FROM analytics.failover_events WHERE job_id = ANY($1::bigint[])", ["{" + loggedJobs.map(String.init).joined(separator: ",") + "}"])
        #expect(logged.first?[0] == String(Set(loggedJobs).count), "each quoted job failed over")
        let batch = try await client.query("SELECT kind, status, request_total FROM switchyard.batches WHERE id = $1", [batchID])
        #expect(batch.first.map { [$0[0], $0[1], $0[2]] } == ["docs", "completed", "12"])
        let models = try await client.query(
            "SELECT model FROM switchyard.attempts WHERE route = 'chat' AND outcome = 'ok' GROUP BY model ORDER BY model")
        #expect(models.map { $0[0] ?? "" } == ["gpt-4o", "gpt-4o-mini"])

        // Nothing left: every child it started is gone, and no process holds the database URL.
        let pids = LiveProcesses.startedPIDs(in: output)
        #expect(pids.count == 4, "mock provider, two workers and serve: \(output)")
        #expect(await LiveProcesses.waitUntilGone(pids).isEmpty)
        #expect(LiveProcesses.withEnvironment(containing: url).isEmpty)
        try await TestDatabase.drop(url)
    }

    @Test func embeddedClusterStopsOnSIGTERMAndIsReusedOnItsPort() async throws {
        let state = try Self.temporaryDirectory()
        var ports: [String] = []
        for run in 1...2 {
            // No database URL at all: the embedded cluster.
            let up = try ChildProcess(
                switchyardBinary, ["up"] + Self.arguments(stateDirectory: state),
                environment: ["SWITCHYARD_DATABASE_URL": "", "DATABASE_URL": ""])
            let start = ContinuousClock.now
            while !up.standardOutput.contains("Ctrl-C stops everything."), ContinuousClock.now - start < .seconds(180) {
                if await up.wait(timeoutMs: 100) != nil { break }
            }
            let output = up.standardOutput
            try #require(output.contains("Switchyard is up."), "run \(run): \(output)\n\(up.standardError)")
            let database = try #require(output.split(separator: "\n").first { $0.hasPrefix("  database") })
            ports.append(String(database.split(separator: ":").last?.split(separator: "/").first ?? ""))
            let postgres = try #require(output.split(separator: "\n").first { $0.contains("embedded PostgreSQL (pid ") })
            let pidText = postgres.components(separatedBy: "(pid ").last?.prefix(while: \.isNumber) ?? ""
            let postgresPID = try #require(pid_t(String(pidText)))
            #expect(LiveProcesses.isRunning(postgresPID, named: "postgres"))

            up.send(SIGTERM)
            #expect(await up.wait(timeoutMs: 60_000) == .exited(0), "\(up.standardOutput)\n\(up.standardError)")
            let stopped = up.standardOutput
            #expect(stopped.contains("everything stopped"))
            let pids = LiveProcesses.startedPIDs(in: stopped)
            #expect(pids.count == 4)
            #expect(await LiveProcesses.waitUntilGone(pids).isEmpty)
            let postgresLeft = await LiveProcesses.waitUntilGone([postgresPID], named: "postgres")
            #expect(postgresLeft.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(state)/postgres/data/postmaster.pid"), "a clean shutdown")
        }
        #expect(ports.count == 2 && ports[0] == ports[1] && !ports[0].isEmpty, "the second start reuses the port: \(ports)")
        #expect(FileManager.default.fileExists(atPath: "\(state)/postgres/data/PG_VERSION"))
    }
}
