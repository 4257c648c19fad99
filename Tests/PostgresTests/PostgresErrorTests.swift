import Postgres
import TestSupport
import Testing

@Suite("Errors carry SQLSTATE and server fields")
struct PostgresErrorTests {
    static let database = Task { try await TestDatabase.create("PostgresErrorTests") }
    let client: PostgresClient

    init() async throws {
        client = TestDatabase.client(try await Self.database.value, maxConnections: 2)
    }

    @Test func uniqueViolation() async throws {
        try await client.execute(unsafeSQL: "CREATE TABLE people (id int PRIMARY KEY, email text CONSTRAINT people_email_key UNIQUE)")
        try await client.query("INSERT INTO people VALUES ($1, $2)", [1, "a@example.com"])
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.query("INSERT INTO people VALUES ($1, $2)", [2, "a@example.com"])
        })
        #expect(error.code == .server)
        #expect(error.sqlState == "23505")
        #expect(error.isUniqueViolation)
        #expect(error.constraint == "people_email_key")
        #expect(error.detail?.contains("a@example.com") == true)
        #expect(!error.isConnectionProblem)
        // The safe description leaves out the query and the detail (which holds the value).
        #expect(!error.description.contains("INSERT"))
        #expect(!error.description.contains("a@example.com"))
        #expect(error.description.contains("23505"))
        #expect(error.debugDescription.contains("INSERT INTO people"))
        #expect(error.debugDescription.contains("people_email_key"))
    }

    @Test func syntaxError() async throws {
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.query("SELEC 1")
        })
        #expect(error.sqlState == "42601")
        #expect(error.message.contains("syntax error"))
        #expect(error.query == "SELEC 1")
    }

    @Test func syntaxErrorInUnsafeSQL() async throws {
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.execute(unsafeSQL: "SELECT 1; SELEC 2")
        })
        #expect(error.sqlState == "42601")
    }

    @Test func hintIsKept() async throws {
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.query("SELECT no_such_function($1::int)", [1])
        })
        #expect(error.sqlState == "42883")
        #expect(error.hint != nil)
    }

    @Test func wrongParameterCount() async throws {
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.query("SELECT $1::int + $2::int", [1])
        })
        #expect(error.sqlState == "08P01")  // protocol violation, reported by the server
        #expect(!error.isConnectionProblem)  // retrying would not help
        #expect(try await client.query("SELECT 1 AS one")[0].int("one") == 1)
    }

    @Test func connectionErrors() async throws {
        var configuration = PostgresConfiguration(url: "postgresql://nobody@127.0.0.1:1/none")
        configuration.reconnectWaitMs = 0
        let unreachable = PostgresClient(configuration: configuration, maxConnections: 1)
        defer { unreachable.shutdown() }
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await unreachable.query("SELECT 1")
        })
        #expect(error.code == .connectionFailed)
        #expect(error.isConnectionProblem)
    }

    @Test func serverSideConnectionCodesAreConnectionProblems() {
        for state in ["08006", "08001", "57P01", "57P02", "57P03"] {
            #expect(PostgresError(code: .server, sqlState: state, message: "x").isConnectionProblem)
        }
        #expect(!PostgresError(code: .server, sqlState: "57014", message: "canceled").isConnectionProblem)
    }

    @Test func callsAfterShutdownThrow() async throws {
        let client = TestDatabase.client(try await Self.database.value, maxConnections: 1)
        #expect(try await client.query("SELECT 1 AS one")[0].int("one") == 1)
        client.shutdown()
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.query("SELECT 1")
        })
        #expect(error.code == .connectionClosed)
    }
}
