import API
import Foundation
import Gateway
import MockProvider
import Postgres
import Providers
import TestSupport
import Testing
import Worker

/// A Batch API batch run end to end: real worker runtimes with the LLM executor calling the mock
/// provider over HTTP, and batch services (as serve and workers run them) moving it to `completed`.
@Suite struct APIBatchGatewayTests {
    private static let curl: Void = UpstreamClient.initializeLibcurl()

    @Test func aBatchCompletesThroughWorkersTheLLMExecutorAndTheMockProvider() async throws {
        _ = Self.curl
        let fixture = try await APIFixture.make()
        let mock = MockProviderServer(configuration: MockProviderConfiguration(), port: 0)
        let mockPort = try mock.start()
        let config = """
            {"version": 1,
             "providers": [{"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:\(mockPort)/v1", "api_key": "mock-key"},
                           {"name": "anthropic", "type": "anthropic", "base_url": "http://127.0.0.1:\(mockPort)", "api_key": "mock-key"}],
             "deployments": [
                {"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "context_window": 128000,
                 "price": {"input_per_million": 0.15, "output_per_million": 0.60}},
                {"name": "claude-3-5-sonnet", "provider": "anthropic", "model": "claude-3-5-sonnet", "context_window": 200000,
                 "price": {"input_per_million": 3.0, "output_per_million": 15.0}},
                {"name": "missing", "provider": "openai", "model": "no-such-model", "context_window": 128000,
                 "price": {"input_per_million": 1, "output_per_million": 1}}],
             "routes": [{"name": "docs", "strategy": "weighted",
                         "targets": [{"deployment": "gpt-4o-mini", "weight": 50}, {"deployment": "claude-3-5-sonnet", "weight": 50}]}],
             "cache": {"enabled": false},
             "baseline_model": "claude-3-5-sonnet"}
            """
        _ = try await GatewayConfigStore(client: fixture.client).apply(Array(config.utf8))
        var lines = (1...20).map { batchLine("doc-\($0)", "summarise document number \($0)", model: "docs") }
        lines.append(batchLine("refused", "this deployment's model does not exist upstream", model: "missing"))
        let created = await fixture.alice.createBatch(lines: lines)
        let id = try #require(created.json["id"]?.stringValue)

        let upstream = UpstreamClient()
        var settings = BatchSettings()
        settings.pollMs = 200
        let services = (0..<2).map { _ in
            BatchService(client: TestDatabase.client(fixture.url, maxConnections: 2),
                         listenerConfiguration: PostgresConfiguration(url: fixture.url), settings: settings)
        }
        let serviceTasks = services.map { service in Task { await service.run() } }
        let workers = try await (0..<2).asyncMap { _ in try await LLMWorker.start(url: fixture.url, upstream: upstream) }

        var batch = created.json
        try await waitUntil(timeoutMs: 60_000) {
            batch = await fixture.alice.get("/v1/batches/\(id)").json
            return batch["status"]?.stringValue == "completed"
        }
        for worker in workers { await worker.stop() }
        for service in services { service.stop() }
        for task in serviceTasks { await task.value }

        #expect(batch["request_counts"] == ["total": 21, "completed": 20, "failed": 1])
        let output = await fixture.alice.get("/v1/files/\(batch["output_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(output.count == 20)
        #expect(Set(output.compactMap { $0["custom_id"]?.stringValue }) == Set((1...20).map { "doc-\($0)" }))
        let models = Set(output.compactMap { $0["response"]?["body"]?["model"]?.stringValue })
        #expect(models == ["gpt-4o-mini", "claude-3-5-sonnet"], "both deployments of the weighted route answered")
        #expect(output.allSatisfy { $0["response"]?["body"]?["usage"]?["prompt_tokens"]?.intValue ?? 0 > 0 })
        let errors = await fixture.alice.get("/v1/files/\(batch["error_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(errors.count == 1)
        #expect(errors.first?["custom_id"] == "refused")
        let status = errors.first?["response"]?["status_code"]?.intValue ?? 0
        #expect((400..<500).contains(status), "\(errors)")
        #expect(errors.first?["response"]?["body"]?["error"]?["message"]?.stringValue?.isEmpty == false)

        let ledger = try await fixture.client.query(
            """
            SELECT count(*) AS calls, count(DISTINCT a.job_id) AS jobs, sum(a.cost_usd) AS cost
            FROM switchyard.attempts a JOIN switchyard.jobs j ON j.id = a.job_id WHERE j.batch_id = $1 AND a.outcome = 'ok'
            """, [Int64(id)!])
        #expect(ledger.first?.int("jobs") == 20)
        #expect((ledger.first?.double("cost") ?? 0) > 0)

        await upstream.shutdown()
        await mock.shutdown()
        await fixture.shutdown()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
