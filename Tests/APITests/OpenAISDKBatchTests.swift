import API
import Foundation
import Postgres
import TestSupport
import Testing

/// The official `openai` Python SDK (pinned in Python/requirements.txt) through the Batch API:
/// files.create → batches.create → poll → files.content, with an echo worker and a batch service;
/// then, with no worker left to finish it first, a batch cancelled.
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
        let arguments = [script, "http://127.0.0.1:\(fixture.port)/v1", fixture.alice.key ?? "", workdir.path]
        let run = try await fixture.withEchoWorker {
            try await ChildProcess.run(python, arguments + ["run"], timeoutMs: 120_000)
        }
        #expect(run.code == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(run.stdout.contains("list ok"))
        let cancel = try await ChildProcess.run(python, arguments + ["cancel"], timeoutMs: 120_000)
        #expect(cancel.code == 0, "stdout: \(cancel.stdout)\nstderr: \(cancel.stderr)")
        #expect(cancel.stdout.contains("errors ok"))
        service.stop()
        await running.value
        await fixture.shutdown()
    }
}
