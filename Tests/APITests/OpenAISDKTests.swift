import Foundation
import TestSupport
import Testing

/// The official `openai` Python SDK (pinned in Python/requirements.txt, installed by
/// `scripts/python-env`) against the API with an echo worker: chat, streaming, models, errors.
@Suite struct OpenAISDKTests {
    @Test func officialPythonSDKWorksUnchanged() async throws {
        let root = TestDatabase.repositoryRoot
        let env = try await ChildProcess.run(root.appendingPathComponent("scripts/python-env").path, [], timeoutMs: 300_000)
        #expect(env.code == 0, "scripts/python-env failed (needs python3-venv and PyPI): \(env.stderr)")
        let python = env.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard env.code == 0, !python.isEmpty else { return }
        let fixture = try await APIFixture.make()
        let script = root.appendingPathComponent("Tests/APITests/Python/openai_sdk_check.py").path
        let result = try await fixture.withEchoWorker {
            try await ChildProcess.run(python, [script, "http://127.0.0.1:\(fixture.port)/v1", fixture.alice.key ?? ""],
                                       timeoutMs: 120_000)
        }
        #expect(result.code == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("auth ok"))
        await fixture.shutdown()
    }
}
