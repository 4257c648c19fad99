import Foundation
import Testing
import TestSupport

/// `clients create` / `list` / `revoke` as a shell script uses them.
@Suite struct ClientsCLITests {
    @Test func createPrintsOnlyTheKeySoAScriptCanKeepIt() async throws {
        let url = try await TestDatabase.create()
        let environment = ["SWITCHYARD_DATABASE_URL": url]
        let created = try await ChildProcess.run(
            switchyardBinary, ["clients", "create", "acme", "--tpm", "50000", "--tpd", "2000000"], environment: environment)
        #expect(created.code == 0, "\(created.stderr)")
        let key = created.stdout.trimmingCharacters(in: .newlines)
        #expect(key.hasPrefix("sy-") && !key.contains("\n") && key.count > 40, "\(created.stdout)")
        #expect(created.stderr.contains("acme (tpm 50000, tpd 2000000): its key is shown only now"), "\(created.stderr)")
        #expect(!created.stderr.contains(key))

        let listed = try await ChildProcess.run(switchyardBinary, ["clients", "list"], environment: environment)
        #expect(listed.code == 0)
        let row = try #require(listed.stdout.split(separator: "\n").first { $0.contains("acme") })
        #expect(row.contains("50000") && row.contains("2000000"))
        #expect(!listed.stdout.contains(key))

        let json = try await ChildProcess.run(switchyardBinary, ["clients", "create", "bob", "--json"], environment: environment)
        #expect(json.code == 0 && json.stdout.contains(#""key":"sy-"#) && json.stdout.contains(#""name":"bob""#))
        try await TestDatabase.drop(url)
    }
}
