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

/// Transactions with a prelude (sent with BEGIN) and an epilogue (sent with COMMIT). The
/// connection's state is read inside the same `withConnection`: once it returns, the pool rolls
/// back whatever was left open.
extension PostgresTransactionTests {
    private func notes(_ table: String) async throws -> [String] {
        try await client.query("SELECT note FROM \(table) ORDER BY id").compactMap { $0.string("note") }
    }

    @Test func preludeHoldsForTheTransactionAndEpilogueRunsAfterTheCommit() async throws {
        try await makeTable("framed")
        let (inside, after) = try await client.withConnection { connection in
            let inside = try connection.transaction(prelude: "SET LOCAL statement_timeout = '4321ms'", { connection in
                try connection.query("INSERT INTO framed VALUES (1, 'body')")
                return try connection.query("SHOW statement_timeout")[0][0] ?? ""
            }, epilogue: { shown in
                // After the COMMIT, in a transaction of its own: it sees the body's row and the
                // prelude's SET LOCAL no longer holds.
                "INSERT INTO framed SELECT 2, \(PostgresConnection.literal(shown)) || '/' || current_setting('statement_timeout') || '/' || count(*) FROM framed"
            })
            return (inside, try connection.query("SHOW statement_timeout")[0][0] ?? "")
        }
        #expect(inside == "4321ms")
        #expect(after != "4321ms")
        #expect(try await notes("framed") == ["body", "4321ms/\(after)/1"])
    }

    @Test func failingEpilogueLeavesTheCommitAndTheConnectionIntact() async throws {
        try await makeTable("epilogue_fails")
        let (value, leftOpen, next) = try await client.withConnection { connection in
            let value = try connection.transaction(prelude: nil, { connection in
                try connection.query("INSERT INTO epilogue_fails VALUES (1, 'kept')")
                return 7
            }, epilogue: { _ in "SELECT 1/0; INSERT INTO epilogue_fails VALUES (2, 'never')" })
            return (value, connection.isInTransaction, try connection.query("SELECT 41 + 1 AS n")[0].int("n"))
        }
        #expect(value == 7)
        #expect(!leftOpen)
        #expect(next == 42)
        #expect(try await notes("epilogue_fails") == ["kept"])
    }

    @Test func abortedTransactionThrowsAtCommitAndSkipsTheEpilogue() async throws {
        try await makeTable("aborted")
        let error = try #require(await #expect(throws: PostgresError.self) {
            try await client.withConnection { connection in
                try connection.transaction(prelude: nil, { connection in
                    try connection.query("INSERT INTO aborted VALUES (1, 'rolled back')")
                    _ = try? connection.query("SELECT 1/0")
                }, epilogue: { _ in "INSERT INTO aborted VALUES (2, 'epilogue')" })
            }
        })
        #expect(error.sqlState == "25P02")
        #expect(try await notes("aborted").isEmpty)
    }

    @Test func failingPreludeRunsNothingAndLeavesNoTransactionOpen() async throws {
        try await makeTable("prelude_fails")
        let (sqlState, leftOpen) = try await client.withConnection { connection -> (String?, Bool) in
            do {
                _ = try connection.transaction(prelude: "SET LOCAL no_such_setting = 1", { connection in
                    try connection.query("INSERT INTO prelude_fails VALUES (1, 'body')")
                }, epilogue: { _ in "INSERT INTO prelude_fails VALUES (2, 'epilogue')" })
                return (nil, connection.isInTransaction)
            } catch let error as PostgresError {
                return (error.sqlState, connection.isInTransaction)
            }
        }
        #expect(sqlState == "42704")
        #expect(!leftOpen)
        #expect(try await notes("prelude_fails").isEmpty)
    }

    @Test func literalQuotesQuotes() async throws {
        let text = "it's a \\ 'test'"
        let echoed = try await client.query("SELECT \(PostgresConnection.literal(text)) AS t")[0].string("t")
        #expect(echoed == text)
    }
}
