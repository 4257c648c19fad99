import Foundation
import TestSupport
import Testing

/// The official `openai` Python SDK (pinned in Python/requirements.txt, installed by
/// `scripts/python-env`) against the API with an echo worker: chat, streaming, models, errors.
@Suite struct OpenAISDKTests {
    @Test func officialPythonSDKWorksUnchanged() async throws {
        guard let python = try await PythonTestEnvironment.python() else { return }
        let fixture = try await APIFixture.make()
        let result = try await fixture.withEchoWorker {
            try await ChildProcess.run(python, [PythonTestEnvironment.script("openai_sdk_check.py"),
                                                "http://127.0.0.1:\(fixture.port)/v1", fixture.alice.key ?? ""],
                                       timeoutMs: 120_000)
        }
        #expect(result.code == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("auth ok"))
        await fixture.shutdown()
    }
}
