import Postgres
import TestSupport
import Testing

@Suite("LISTEN / NOTIFY")
struct PostgresListenerTests {
    static let database = Task { try await TestDatabase.create("PostgresListenerTests") }

    @Test func deliversNotificationsOnTheChannelsListenedTo() async throws {
        let url = try await Self.database.value
        let client = TestDatabase.client(url, maxConnections: 2)
        defer { client.shutdown() }
        let listener = PostgresListener(configuration: PostgresConfiguration(url: url), channels: ["jobs", "Mixed \"Case\""])
        defer { listener.stop() }
        let collector = EventCollector(listener)
        await listener.waitUntilListening()

        try await client.query("SELECT pg_notify($1, $2)", ["jobs", "first"])
        try await client.query("SELECT pg_notify($1, $2)", ["elsewhere", "not for us"])
        try await client.query("SELECT pg_notify($1, $2)", ["Mixed \"Case\"", "ünïcode, \"quoted\""])
        try await client.execute(unsafeSQL: "NOTIFY jobs, 'second'")

        #expect(await collector.wait { collector.payloads(on: "jobs") == ["first", "second"] })
        #expect(await collector.wait { collector.payloads(on: "Mixed \"Case\"") == ["ünïcode, \"quoted\""] })
        #expect(collector.payloads(on: "elsewhere").isEmpty)
        #expect(collector.reconnects == 0)
    }

    @Test func notificationsInATransactionArriveAtCommit() async throws {
        let url = try await Self.database.value
        let client = TestDatabase.client(url, maxConnections: 1)
        defer { client.shutdown() }
        let listener = PostgresListener(configuration: PostgresConfiguration(url: url), channels: ["tx"])
        defer { listener.stop() }
        let collector = EventCollector(listener)
        await listener.waitUntilListening()

        try await client.transaction { connection in
            for index in 0..<100 { try connection.query("SELECT pg_notify('tx', $1)", [String(index)]) }
        }
        #expect(await collector.wait { collector.payloads(on: "tx").count == 100 })
        #expect(collector.payloads(on: "tx") == (0..<100).map(String.init))
    }

    @Test func reconnectsAfterItsBackendIsTerminated() async throws {
        let url = try await Self.database.value
        let client = TestDatabase.client(url, maxConnections: 1)
        defer { client.shutdown() }
        var configuration = PostgresConfiguration(url: url)
        configuration.applicationName = "kicked-listener"
        let listener = PostgresListener(configuration: configuration, channels: ["kicked"])
        defer { listener.stop() }
        let collector = EventCollector(listener)
        await listener.waitUntilListening()

        let listeners = try await client.query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'kicked-listener'")
        #expect(listeners.count == 1)
        for row in listeners { try await client.query("SELECT pg_terminate_backend($1)", [row.int("pid")]) }

        #expect(await collector.wait { collector.reconnects == 1 })
        try await client.query("SELECT pg_notify('kicked', 'after')")
        #expect(await collector.wait { collector.payloads(on: "kicked") == ["after"] })
    }

    @Test func stopFinishesTheStream() async throws {
        let listener = PostgresListener(
            configuration: PostgresConfiguration(url: try await Self.database.value), channels: ["x"])
        await listener.waitUntilListening()
        let consumer = Task {
            var count = 0
            for await _ in listener.events() { count += 1 }
            return count
        }
        listener.stop()
        #expect(await consumer.value == 0)
    }
}
