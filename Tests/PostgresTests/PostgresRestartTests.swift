import Foundation
import Postgres
import TestSupport
import Testing

/// Stops and starts a private PostgreSQL cluster under a running client and listener.
@Suite("Server restart")
struct PostgresRestartTests {
    /// A private cluster driven through `scripts/pg`.
    struct Cluster {
        let directory: URL

        init() throws {
            // Under /tmp: the cluster runs as the postgres user when the tests run as root.
            directory = URL(fileURLWithPath: "/tmp/sy-restart-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        func start() async throws -> String {
            try await Self.pg(["start", directory.path]).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func stop() async throws {
            _ = try await Self.pg(["stop", directory.path])
        }

        func remove() async {
            _ = try? await stop()
            try? FileManager.default.removeItem(at: directory)
        }

        /// Runs scripts/pg as a `ChildProcess` (waited for by polling, so no thread blocks).
        /// Foundation's `Process.terminationHandler` never fired for it in this test process.
        static func pg(_ arguments: [String]) async throws -> String {
            let script = TestDatabase.repositoryRoot.appendingPathComponent("scripts/pg").path
            let result = try await ChildProcess.run(script, arguments, timeoutMs: 120_000)
            guard result.code == 0 else {
                throw PostgresError(
                    code: .connectionFailed,
                    message: "scripts/pg \(arguments[0]) exited \(result.code): \(result.stderr)")
            }
            return result.stdout
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func clientAndListenerRecoverFromARestart() async throws {
        let cluster = try Cluster()
        do {
            try await recover(cluster)
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }

    private func recover(_ cluster: Cluster) async throws {
        let url = try await cluster.start()
        var configuration = PostgresConfiguration(url: url)
        configuration.reconnectWaitMs = 5_000
        let client = PostgresClient(configuration: configuration, maxConnections: 2)
        defer { client.shutdown() }
        let listener = PostgresListener(configuration: configuration, channels: ["restart"])
        defer { listener.stop() }
        let collector = EventCollector(listener)
        await listener.waitUntilListening()

        try await client.query("SELECT pg_notify('restart', $1)", ["before"])
        #expect(await collector.wait { collector.payloads(on: "restart") == ["before"] })

        // A call in flight when the server goes away fails as a connection problem.
        let sleeper = Task { try await client.query("SELECT pg_sleep(60)") }
        for _ in 0..<200 {
            let active = try await client.query(
                "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(60)%'")
            if !active.isEmpty { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await cluster.stop()
        let error = try #require(await #expect(throws: PostgresError.self) { try await sleeper.value })
        #expect(error.isConnectionProblem)

        // While the server is down, calls fail as connection problems instead of hanging.
        let down = try #require(await #expect(throws: PostgresError.self) {
            try await client.query("SELECT 1")
        })
        #expect(down.isConnectionProblem)

        let restartedURL = try await cluster.start()
        #expect(restartedURL == url)

        // The next call reconnects on its own: both pooled connections were broken.
        let answers = try await withThrowingTaskGroup(of: Int?.self) { group in
            for index in 0..<4 {
                group.addTask { try await client.query("SELECT $1::int AS v", [index])[0].int("v") }
            }
            var answers: [Int?] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.compactMap { $0 }.sorted() == [0, 1, 2, 3])

        // The listener says it reconnected, and hears notifications again.
        #expect(await collector.wait(timeout: .seconds(20)) { collector.reconnects == 1 })
        try await client.query("SELECT pg_notify('restart', $1)", ["after"])
        #expect(await collector.wait { collector.payloads(on: "restart") == ["before", "after"] })
    }
}
