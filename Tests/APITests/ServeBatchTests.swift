#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Providers
import TestSupport
import Testing

/// `switchyard serve` and `switchyard worker` processes move a Batch API batch on by themselves:
/// serve's batch service validates it, a worker runs its jobs, and the batch ends `completed`.
@Suite struct ServeBatchTests {
    @Test func serveAndAWorkerRunABatchToCompleted() async throws {
        let url = try await TestDatabase.create()
        let created = try await ChildProcess.run(switchyardBinary, ["clients", "create", "batcher", "--json", "--database-url", url])
        let key = try #require(try JSONValue.parse(created.stdout)["key"]?.stringValue)
        let serve = try await ServeProcess.start(databaseURL: url)
        let api = APITestClient(port: serve.port, key: key)
        let batch = await api.createBatch(lines: (1...5).map { batchLine("line-\($0)", "served \($0)") })
        let id = try #require(batch.json["id"]?.stringValue, "\(batch.text)")
        try await waitUntil { await api.get("/v1/batches/\(id)").json["status"] == "in_progress" }

        let worker = try await ChildProcess.run(switchyardBinary, ["worker", "--executor", "echo", "--drain", "--poll-ms", "50",
                                                                   "--database-url", url])
        #expect(worker.code == 0, "\(worker.stderr)")
        var done = batch.json
        try await waitUntil {
            done = await api.get("/v1/batches/\(id)").json
            return done["status"] == "completed"
        }
        #expect(done["request_counts"] == ["total": 5, "completed": 5, "failed": 0])
        let output = await api.get("/v1/files/\(done["output_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(output.compactMap { $0["response"]?["body"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue }
                == (1...5).map { "served \($0)" })
        serve.process.send(SIGTERM)
        #expect(await serve.process.wait(timeoutMs: 10_000) == .exited(0), "\(serve.process.standardError)")
    }
}
