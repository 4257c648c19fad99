import Foundation
import TestSupport
import Testing

/// The pinned Python virtual environment of the SDK tests (Python/requirements.txt), built by
/// `scripts/python-env` — normally already by `scripts/test`, so this costs one file comparison.
enum PythonTestEnvironment {
    /// The venv's python, or nil after recording an issue when the environment cannot be built.
    static func python() async throws -> String? {
        let env = try await ChildProcess.run(
            TestDatabase.repositoryRoot.appendingPathComponent("scripts/python-env").path, [], timeoutMs: 300_000)
        #expect(env.code == 0, "scripts/python-env failed (needs python3-venv and PyPI): \(env.stderr)")
        let python = env.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return env.code == 0 && !python.isEmpty ? python : nil
    }

    /// The path of a script in Tests/APITests/Python.
    static func script(_ name: String) -> String {
        TestDatabase.repositoryRoot.appendingPathComponent("Tests/APITests/Python/\(name)").path
    }
}
