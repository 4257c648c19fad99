import Postgres
import TestSupport
import Testing

@Suite("Transactions")
struct PostgresTransactionTests {
    struct Boom: Error {}

    static let database = Task { try await TestDatabase.create("PostgresTransactionTests") }
    let client: PostgresClient

    init() async throws {
        client = TestDatabase.client(try await Self.database.value, maxConnections: 2)
    }

    private func makeTable(_ name: String) async throws {
        try await client.execute(unsafeSQL: "CREATE TABLE \(name) (id int PRIMARY KEY, note text)")
    }

    private func count(_ table: String) async throws -> Int {
        try await client.query("SELECT count(*) AS n FROM \(table)")[0].int("n") ?? -1
    }

    @Test func commitsWhenBodyReturns() async throws {
        try await makeTable("committed")
        let value = try await client.transaction { connection in
            try connection.query("INSERT INTO committed VALUES ($1, $2)", [1, "a"])
            try connection.query("INSERT INTO committed VALUES ($1, $2)", [2, "b"])
            return 42
        }
        #expect(value == 42)
        #expect(try await count("committed") == 2)
    }

    @Test func rollsBackWhenBodyThrows() async throws {
        try await makeTable("rolled_back")
        await #expect(throws: Boom.self) {
            try await client.transaction { connection in
                try connection.query("INSERT INTO rolled_back VALUES ($1, $2)", [1, "a"])
                throw Boom()
            }
        }
        #expect(try await count("rolled_back") == 0)
    }

    @Test func rollsBackWhenAStatementFails() async throws {
        try await makeTable("failed_statement")
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.transaction { connection in
                try connection.query("INSERT INTO failed_statement VALUES ($1, $2)", [1, "a"])
                try connection.query("INSERT INTO failed_statement VALUES ($1, $2)", [1, "duplicate"])
            }
        })
        #expect(error.sqlState == "23505")
        #expect(try await count("failed_statement") == 0)
    }

    @Test func swallowedErrorMakesCommitThrow() async throws {
        try await makeTable("swallowed")
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.transaction { connection in
                try connection.query("INSERT INTO swallowed VALUES ($1, $2)", [1, "a"])
                _ = try? connection.query("SELECT 1/0")
            }
        })
        #expect(error.sqlState == "25P02")
        #expect(try await count("swallowed") == 0)
    }

    @Test func nestedTransactionUsesSavepoint() async throws {
        try await makeTable("nested")
        try await client.transaction { connection in
            try connection.query("INSERT INTO nested VALUES ($1, $2)", [1, "outer"])
            _ = try? connection.transaction { inner in
                try inner.query("INSERT INTO nested VALUES ($1, $2)", [2, "inner"])
                throw Boom()
            }
            try connection.query("INSERT INTO nested VALUES ($1, $2)", [3, "outer again"])
        }
        let ids = try await client.query("SELECT id FROM nested ORDER BY id").compactMap { $0.int("id") }
        #expect(ids == [1, 3])
    }

    @Test func transactionLeftOpenIsRolledBackBeforeReuse() async throws {
        try await makeTable("left_open")
        let single = TestDatabase.client(try await Self.database.value, maxConnections: 1)
        defer { single.shutdown() }
        try await single.withConnection { connection in
            try connection.execute(unsafeSQL: "BEGIN")
            try connection.query("INSERT INTO left_open VALUES ($1, $2)", [1, "never committed"])
        }
        let inTransaction = try await single.withConnection { $0.isInTransaction }
        #expect(!inTransaction)
        #expect(try await count("left_open") == 0)
    }

    @Test func preparedStatementSurvivesSchemaChange() async throws {
        try await makeTable("reshaped")
        let single = TestDatabase.client(try await Self.database.value, maxConnections: 1)
        defer { single.shutdown() }
        try await single.query("INSERT INTO reshaped VALUES ($1, $2)", [1, "a"])
        #expect(try await single.query("SELECT * FROM reshaped")[0].columns == ["id", "note"])
        try await single.execute(unsafeSQL: "ALTER TABLE reshaped ADD COLUMN extra int DEFAULT 7")
        let row = try await single.query("SELECT * FROM reshaped")[0]
        #expect(row.columns == ["id", "note", "extra"])
        #expect(row.int("extra") == 7)
        try await single.execute(unsafeSQL: "DEALLOCATE ALL")
        #expect(try await single.query("SELECT * FROM reshaped")[0].int("id") == 1)
    }
}
