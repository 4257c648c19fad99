import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@Suite("Connection pool")
struct PostgresClientTests {
    static let database = Task { try await TestDatabase.create("PostgresClientTests") }

    @Test func connectsWithAConninfoStringAndTheURLsSettingsWin() async throws {
        let url = try #require(URLComponents(string: try await Self.database.value))
        let conninfo = "host=\(url.host!) port=\(url.port!) user=\(url.user!) dbname=\(url.path.dropFirst())"
        let byConninfo = PostgresClient(configuration: PostgresConfiguration(url: conninfo), maxConnections: 1)
        defer { byConninfo.shutdown() }
        let row = try await byConninfo.query("SELECT current_setting('application_name') AS a, current_setting('DateStyle') AS d")[0]
        #expect(row.string("a") == "switchyard")
        #expect(row.string("d") == "ISO, YMD")

        var named = url
        named.queryItems = [URLQueryItem(name: "application_name", value: "from-url")]
        let byURL = PostgresClient(configuration: PostgresConfiguration(url: named.string!), maxConnections: 1)
        defer { byURL.shutdown() }
        #expect(try await byURL.query("SELECT current_setting('application_name') AS a")[0].string("a") == "from-url")
    }

    @Test func libpqRunsOnThePoolsOwnThreads() async throws {
        let client = TestDatabase.client(try await Self.database.value, maxConnections: 2)
        defer { client.shutdown() }
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await client.withConnection { _ in
                        try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                            .trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                }
            }
            var names: Set<String> = []
            for try await name in group { names.insert(name) }
            return names
        }
        #expect(!names.isEmpty)
        #expect(names.isSubset(of: ["sy-pg-1", "sy-pg-2"]))
    }

    @Test func manyConcurrentQueriesGetTheirOwnAnswers() async throws {
        let client = TestDatabase.client(try await Self.database.value, maxConnections: 4)
        defer { client.shutdown() }
        try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for index in 0..<2_000 {
                group.addTask { (index, try await client.query("SELECT $1::int * 2 AS v", [index])[0].int("v")) }
            }
            for try await (index, value) in group {
                #expect(value == index * 2)
            }
        }
    }

    /// 200 calls that each hold a connection for 50 ms, on 8 connections: ~1.25 s of waiting that must
    /// happen on the pool's threads, while the two concurrency-pool threads stay free for other work.
    @Test func slowQueriesDoNotStarveTheConcurrencyPool() async throws {
        let client = TestDatabase.client(try await Self.database.value, maxConnections: 8)
        defer { client.shutdown() }
        let ticks = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        let ticker = Task {
            while !done.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(10))
                ticks.add(1, ordering: .relaxed)
            }
        }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { try await client.query("SELECT pg_sleep(0.05)") }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        done.store(true, ordering: .relaxed)
        await ticker.value
        // Run two at a time on the concurrency pool's threads, they would take 5 s, and the ticker
        // would barely run. (Other suites share the two threads, so the bounds are loose.)
        #expect(elapsed >= .milliseconds(1_200))
        #expect(elapsed < .milliseconds(4_500), "200 × 50 ms on 8 connections took \(elapsed)")
        let ticked = ticks.load(ordering: .relaxed)
        #expect(ticked >= 3, "the ticker ran \(ticked) times in \(elapsed)")
    }

    @Test func connectionsAreMadeOnDemandUpToTheLimit() async throws {
        let url = try await Self.database.value
        var configuration = PostgresConfiguration(url: url)
        configuration.applicationName = "on-demand-test"
        let client = PostgresClient(configuration: configuration, maxConnections: 3)
        defer { client.shutdown() }
        try await client.query("SELECT 1")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<30 {
                group.addTask { try await client.query("SELECT pg_sleep(0.02)") }
            }
            try await group.waitForAll()
        }
        let database = String(url.split(separator: "/").last!)
        let admin = TestDatabase.client(TestDatabase.adminURL, maxConnections: 1)
        defer { admin.shutdown() }
        let count = try await admin.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'on-demand-test'",
            [database])[0].int("n")
        #expect(count == 3)
    }

    @Test func brokenConnectionIsReplacedBeforeTheNextCall() async throws {
        let client = TestDatabase.client(try await Self.database.value, maxConnections: 1)
        defer { client.shutdown() }
        let pid = try await client.withConnection { $0.backendPID }
        let admin = TestDatabase.client(TestDatabase.adminURL, maxConnections: 1)
        defer { admin.shutdown() }
        try await admin.query("SELECT pg_terminate_backend($1)", [Int(pid)])
        // The server closed the idle connection; the pool notices before sending and reconnects.
        var newPID: Int32 = 0
        for _ in 0..<50 {
            if try await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [Int(pid)]).isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        newPID = try await client.withConnection { connection in
            _ = try connection.query("SELECT 1")
            return connection.backendPID
        }
        #expect(newPID != pid)
    }

    @Test func callInFlightWhenTheConnectionDiesIsAConnectionProblem() async throws {
        let client = TestDatabase.client(try await Self.database.value, maxConnections: 1)
        defer { client.shutdown() }
        let pid = try await client.withConnection { $0.backendPID }
        let sleeper = Task { try await client.query("SELECT pg_sleep(30)") }
        let admin = TestDatabase.client(TestDatabase.adminURL, maxConnections: 1)
        defer { admin.shutdown() }
        for _ in 0..<100 {
            let active = try await admin.query(
                "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [Int(pid)])
            if !active.isEmpty { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await admin.query("SELECT pg_terminate_backend($1)", [Int(pid)])
        let error = try #require(await #expect(throws: PostgresError.self) { try await sleeper.value })
        #expect(error.isConnectionProblem)
        #expect(try await client.query("SELECT 2 AS two")[0].int("two") == 2)
    }
}
