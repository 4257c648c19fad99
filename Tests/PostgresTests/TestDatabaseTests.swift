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

    @Test func urlRewritingKeepsQueryParameters() {
        #expect(TestDatabase.url("postgresql://u@127.0.0.1:5432/postgres?sslmode=disable", database: "x")
            == "postgresql://u@127.0.0.1:5432/x?sslmode=disable")
        #expect(TestDatabase.url("host=/tmp port=5432", database: "x") == "host=/tmp port=5432 dbname='x'")
    }

    @Test func repositoryRootHoldsThePackage() {
        #expect(FileManager.default.fileExists(atPath: TestDatabase.repositoryRoot.appendingPathComponent("Package.swift").path))
    }
}
