import API
import Foundation
import Postgres
import TestSupport
import Testing

/// The official `openai` Python SDK (pinned in Python/requirements.txt) through the Batch API:
/// files.create → batches.create → poll → files.content, with an echo worker and a batch service.
@Suite struct OpenAISDKBatchTests {
    @Test func officialPythonSDKRunsABatch() async throws {
        guard let python = try await PythonTestEnvironment.python() else { return }
        let fixture = try await APIFixture.make()
        var settings = BatchSettings()
        settings.minPassIntervalMs = 20
        let service = BatchService(client: fixture.client, listenerConfiguration: PostgresConfiguration(url: fixture.url),
                                   settings: settings)
        let running = Task { await service.run() }
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        let script = PythonTestEnvironment.script("openai_batch_check.py")
        let result = try await fixture.withEchoWorker {
            try await ChildProcess.run(python, [script, "http://127.0.0.1:\(fixture.port)/v1", fixture.alice.key ?? "", workdir.path],
                                       timeoutMs: 120_000)
        }
        #expect(result.code == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("errors ok"))
        service.stop()
        await running.value
        await fixture.shutdown()
    }
}
