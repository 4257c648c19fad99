import Foundation
import Postgres
import Testing
import TestSupport

/// The gateway through the binaries: `mock-provider`, `config apply`, `enqueue`, `worker --executor llm`, `wait`.
@Suite struct GatewayCLITests {
    @Test func anLLMWorkerAnswersJobsThroughTheMockProvider() async throws {
        let url = try await TestDatabase.create()
        let environment = ["SWITCHYARD_DATABASE_URL": url]
        let mock = try await MockProviderChild.start()
        defer { mock.stop() }
        try await mock.applyExampleConfig(url: url)

        var ids: [String] = []
        for (route, prompt) in [("chat", "hello there"), ("auto", "Prove that the square root of 2 is irrational."), ("claude-3-5-sonnet", "hi")] {
            let enqueued = try await ChildProcess.run(switchyardBinary, ["enqueue", "--model", route, "--prompt", prompt], environment: environment)
            #expect(enqueued.code == 0)
            ids.append(enqueued.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let worker = try await ChildProcess.run(
            switchyardBinary, ["worker", "--executor", "llm", "--drain", "--poll-ms", "50"], environment: environment)
        #expect(worker.code == 0, "\(worker.stderr)")
        let waited = try await ChildProcess.run(switchyardBinary, ["wait", "--timeout", "5"] + ids, environment: environment)
        #expect(waited.code == 0, "\(waited.stdout) \(waited.stderr)")

        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let rows = try await client.query("""
            SELECT j.route, j.result->>'model' AS model, a.provider, a.outcome, j.routing_trace->>'chosen' AS chosen
            FROM switchyard.jobs j JOIN switchyard.attempts a ON a.job_id = j.id ORDER BY j.id
            """)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.string("outcome") == "ok" && $0.string("model") != nil && $0.string("chosen") != nil })
        #expect(rows.last?.string("provider") == "anthropic" && rows.last?.string("model") == "claude-3-5-sonnet")
    }
}
