import Foundation
import Postgres
import TestSupport
import Testing

@Suite("TestDatabase")
struct TestDatabaseTests {
    @Test func namesAreSanitisedUniqueAndShortEnough() async throws {
        let name = "A very \"long\" test name: with punctuation, ünïcode and more than sixty-three characters()"
        let first = try await TestDatabase.create(name)
        let second = try await TestDatabase.create(name)
        #expect(first != second)
        for url in [first, second] {
            let database = try #require(URLComponents(string: url)?.path.dropFirst())
            #expect(database.utf8.count <= 63)
            #expect(database.allSatisfy { $0.isLetter && $0.isASCII && $0.isLowercase || $0.isNumber || $0 == "_" })
            let client = TestDatabase.client(url, maxConnections: 1)
            #expect(try await client.query("SELECT current_database() AS d")[0].string("d") == String(database))
            client.shutdown()
            try await TestDatabase.drop(url)
        }
    }

    /// Another checkout sharing the cluster may rebuild the template for its own migrations.
    @Test func aTemplateBuiltFromOtherMigrationsIsRebuilt() async throws {
        _ = try await TestDatabase.create("warm-up")
        let admin = TestDatabase.client(TestDatabase.adminURL, maxConnections: 1)
        defer { admin.shutdown() }
        let comment = "SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1"
        let original = try await admin.query(comment, [TestDatabase.templateName])[0].string("c")
        try await admin.execute(unsafeSQL: "COMMENT ON DATABASE \(TestDatabase.templateName) IS 'other migrations'")

        let url = try await TestDatabase.create("after-tampering")
        #expect(try await admin.query(comment, [TestDatabase.templateName])[0].string("c") == original)
        let client = TestDatabase.client(url, maxConnections: 1)
        defer { client.shutdown() }
        let files = try Migrator.migrations(in: TestDatabase.repositoryRoot.appendingPathComponent("migrations"))
        let recorded = try await client.query("SELECT name FROM switchyard.schema_migrations ORDER BY name")
        #expect(recorded.compactMap { $0.string("name") } == files.map(\.name))
    }

    @Test func urlRewritingKeepsQueryParameters() {
        #expect(TestDatabase.url("postgresql://u@127.0.0.1:5432/postgres?sslmode=disable", database: "x")
            == "postgresql://u@127.0.0.1:5432/x?sslmode=disable")
        #expect(TestDatabase.url("host=/tmp port=5432", database: "x") == "host=/tmp port=5432 dbname='x'")
    }

    @Test func repositoryRootHoldsThePackage() {
        #expect(FileManager.default.fileExists(atPath: TestDatabase.repositoryRoot.appendingPathComponent("Package.swift").path))
    }
}
