import Foundation
import Testing
import TestSupport

/// `switchyard mock-provider --port 0` as a child process, with `examples/switchyard.json`
/// applied against it (every provider URL pointed at its port).
struct MockProviderChild {
    let process: ChildProcess
    let port: String

    static func start() async throws -> MockProviderChild {
        let process = try ChildProcess(switchyardBinary, ["mock-provider", "--port", "0"])
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(60) {  // a loaded machine can take seconds to start it
            if let line = process.standardOutput.split(separator: "\n").first(where: { $0.contains("listening on") }),
               let port = line.split(separator: ":").last.map(String.init) {
                return MockProviderChild(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.send(SIGTERM, group: true)
        Issue.record("mock-provider printed no port: \(process.standardError)")
        throw CancellationError()
    }

    /// Applies the example config to the database at `url`, pointed at this mock; records a failure.
    func applyExampleConfig(url: String) async throws {
        let example = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("examples/switchyard.json"), encoding: .utf8)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString).json")
        try example.replacingOccurrences(of: "127.0.0.1:9100", with: "127.0.0.1:\(port)").write(to: file, atomically: true, encoding: .utf8)
        let applied = try await ChildProcess.run(switchyardBinary, ["config", "apply", file.path],
                                                 environment: ["SWITCHYARD_DATABASE_URL": url])
        #expect(applied.code == 0, "\(applied.stderr)")
    }

    func stop() {
        process.send(SIGTERM, group: true)
    }
}
