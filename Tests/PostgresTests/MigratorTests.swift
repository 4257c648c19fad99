import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Migrator")
struct MigratorTests {
    /// A temporary folder of migration files, removed by `remove()`.
    struct Folder {
        let url: URL

        init(_ files: [String: String]) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("sy-migrations-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for (name, text) in files { try write(name, text) }
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    static let first = """
        CREATE SCHEMA IF NOT EXISTS testing;
        CREATE TABLE testing.widgets (id int PRIMARY KEY, name text NOT NULL);
        """
    static let second = "INSERT INTO testing.widgets VALUES (1, 'one'), (2, 'two');"

    private func fresh() async throws -> PostgresClient {
        TestDatabase.client(try await TestDatabase.create("MigratorTests"), maxConnections: 2)
    }

    @Test func appliesInOrderThenRerunIsANoOp() async throws {
        let client = try await fresh()
        defer { client.shutdown() }
        let folder = try Folder(["0002_seed.sql": Self.second, "0001_widgets.sql": Self.first, "README.md": "not SQL"])
        defer { folder.remove() }

        let migrator = Migrator(client: client)
        #expect(try await migrator.migrate(directory: folder.url) == ["0001_widgets.sql", "0002_seed.sql"])
        #expect(try await client.query("SELECT count(*) AS n FROM testing.widgets")[0].int("n") == 2)
        #expect(try await migrator.migrate(directory: folder.url) == [])
        #expect(try await client.query("SELECT count(*) AS n FROM testing.widgets")[0].int("n") == 2)

        let recorded = try await client.query(
            "SELECT name, checksum, applied_at FROM switchyard.schema_migrations WHERE name LIKE '000%' ORDER BY name")
        let ours = recorded.filter { ["0001_widgets.sql", "0002_seed.sql"].contains($0.string("name") ?? "") }
        #expect(ours.count == 2)
        let expected = try await client.query("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS h", [Self.second])
        #expect(ours[1].string("checksum") == expected[0].string("h"))
        #expect(ours[1].date("applied_at") != nil)

        try folder.write("0003_more.sql", "INSERT INTO testing.widgets VALUES (3, 'three');")
        #expect(try await migrator.migrate(directory: folder.url) == ["0003_more.sql"])
    }

    @Test func refusesAnAppliedFileThatChanged() async throws {
        let client = try await fresh()
        defer { client.shutdown() }
        let folder = try Folder(["0001_widgets.sql": Self.first])
        defer { folder.remove() }
        let migrator = Migrator(client: client)
        _ = try await migrator.migrate(directory: folder.url)

        try folder.write("0001_widgets.sql", Self.first + "\n-- edited afterwards\n")
        try folder.write("0002_seed.sql", Self.second)
        let error = try #require(await #expect(throws: MigrationError.self) {
            try await migrator.migrate(directory: folder.url)
        })
        #expect(error.file == "0001_widgets.sql")
        #expect(error.description.contains("0001_widgets.sql"))
        #expect(error.description.contains("changed"))
        // Nothing after the refused file ran.
        #expect(try await client.query("SELECT count(*) AS n FROM testing.widgets")[0].int("n") == 0)
    }

    @Test func aFailingFileIsRolledBackAndNamed() async throws {
        let client = try await fresh()
        defer { client.shutdown() }
        let folder = try Folder([
            "0001_widgets.sql": Self.first,
            "0002_broken.sql": "CREATE TABLE testing.half (id int); INSERT INTO testing.nope VALUES (1);",
        ])
        defer { folder.remove() }
        let error = try #require(await #expect(throws: MigrationError.self) {
            try await Migrator(client: client).migrate(directory: folder.url)
        })
        #expect(error.file == "0002_broken.sql")
        #expect(error.underlying?.sqlState == "42P01")
        let tables = try await client.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'testing' ORDER BY 1")
        #expect(tables.map { $0.string("table_name") } == ["widgets"])
        let names = try await client.query("SELECT name FROM switchyard.schema_migrations").compactMap { $0.string("name") }
        #expect(names.contains("0001_widgets.sql"))
        #expect(!names.contains("0002_broken.sql"))
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        let url = try await TestDatabase.create("MigratorTestsConcurrent")
        let folder = try Folder([
            "0001_widgets.sql": Self.first,
            // Not idempotent: a second run would violate the primary key.
            "0002_seed.sql": "SELECT pg_sleep(0.2); " + Self.second,
        ])
        defer { folder.remove() }
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let client = TestDatabase.client(url, maxConnections: 1)
                    defer { client.shutdown() }
                    return try await Migrator(client: client).migrate(directory: folder.url)
                }
            }
            var all: [String] = []
            for try await names in group { all += names }
            return all
        }
        #expect(applied.sorted() == ["0001_widgets.sql", "0002_seed.sql"])
        let client = TestDatabase.client(url, maxConnections: 1)
        defer { client.shutdown() }
        #expect(try await client.query("SELECT count(*) AS n FROM testing.widgets")[0].int("n") == 2)
    }

    @Test func missingDirectoryHasNoMigrations() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("sy-none-\(UUID().uuidString)")
        #expect(try Migrator.migrations(in: missing).isEmpty)
    }

    @Test func sha256MatchesStandardVectors() async throws {
        let client = TestDatabase.client(TestDatabase.adminURL, maxConnections: 1)
        defer { client.shutdown() }
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (input, digest) in vectors {
            let hex = try await client.withConnection { try Migrator.sha256Hex(Array(input.utf8), on: $0) }
            #expect(hex == digest)
        }
    }

    @Test func repositoryMigrationsAreInTheTemplate() async throws {
        let client = try await fresh()
        defer { client.shutdown() }
        let files = try Migrator.migrations(in: TestDatabase.repositoryRoot.appendingPathComponent("migrations"))
        let recorded = try await client.query("SELECT name FROM switchyard.schema_migrations ORDER BY name")
        #expect(recorded.compactMap { $0.string("name") } == files.map(\.name))
        // Re-running the repository's migrations on a clone applies nothing.
        let applied = try await Migrator(client: client).migrate(
            directory: TestDatabase.repositoryRoot.appendingPathComponent("migrations"))
        #expect(applied.isEmpty)
    }
}
