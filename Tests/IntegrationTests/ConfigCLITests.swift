import Foundation
import Postgres
import Testing
import TestSupport

/// `switchyard config apply` / `config show` through the binary.
@Suite struct ConfigCLITests {
    func run(_ arguments: [String], url: String) async throws -> (code: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(switchyardBinary, arguments, environment: ["SWITCHYARD_DATABASE_URL": url])
    }

    @Test func theExampleAppliesAndShows() async throws {
        let url = try await TestDatabase.create()
        let example = TestDatabase.repositoryRoot.appendingPathComponent("examples/switchyard.json").path
        let applied = try await run(["config", "apply", example], url: url)
        #expect(applied.code == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("applied config version"))
        let shown = try await run(["config", "show"], url: url)
        #expect(shown.code == 0)
        #expect(shown.stdout.contains("chat [weighted]"))
        let json = try await run(["config", "show", "--json"], url: url)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["baseline_model"] as? String == "gpt-4o")
        // Literal (loopback) keys are shown as "***", never as applied.
        #expect(!json.stdout.contains("mock-openai-key"))
        let providers = object?["providers"] as? [[String: Any]] ?? []
        #expect(!providers.isEmpty && providers.allSatisfy { $0["api_key"] as? String == "***" })
        #expect(!shown.stdout.contains("mock-openai-key"))
    }

    @Test func anInvalidConfigNamesTheJSONPathAndStoresNothing() async throws {
        let url = try await TestDatabase.create()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-config-\(UUID().uuidString).json")
        let example = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("examples/switchyard.json"), encoding: .utf8)
        try example.replacingOccurrences(of: #""weight": 50}, {"deployment": "gpt-4o-mini""#,
                                         with: #""weight": "heavy"}, {"deployment": "gpt-4o-mini""#)
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try await run(["config", "apply", file.path], url: url)
        #expect(result.code == 1)
        #expect(result.stderr.contains("routes[0].targets[0].weight"), "\(result.stderr)")
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        #expect(try await client.query("SELECT count(*) FROM switchyard.config_versions").first?[0] == "0")
        let shown = try await run(["config", "show"], url: url)
        #expect(shown.code == 1)
    }
}
