import Foundation
import Gateway
import MockProvider
import Postgres
import Providers
import TestSupport
import Testing
import Worker

/// `/v1/chat/completions` through the real LLM executor and the mock provider over HTTP.
@Suite struct APIGatewayTests {
    private static let curl: Void = UpstreamClient.initializeLibcurl()

    @Test func headersNameTheProviderModelAndCache() async throws {
        _ = Self.curl
        let fixture = try await APIFixture.make()
        let mock = MockProviderServer(configuration: MockProviderConfiguration(), port: 0)
        let mockPort = try mock.start()
        let config = """
            {"version": 1,
             "providers": [{"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:\(mockPort)/v1", "api_key": "mock-key"}],
             "deployments": [{"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "context_window": 128000,
                              "price": {"input_per_million": 0.15, "output_per_million": 0.60}}],
             "routes": [{"name": "chat", "strategy": "priority", "targets": [{"deployment": "gpt-4o-mini"}]}],
             "cache": {"enabled": true, "ttl_s": 3600, "max_entries": 1000},
             "baseline_model": "gpt-4o-mini"}
            """
        _ = try await GatewayConfigStore(client: fixture.client).apply(Array(config.utf8))
        let models = await fixture.alice.get("/v1/models")
        #expect(models.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["chat", "gpt-4o-mini"])

        let upstream = UpstreamClient()
        let first = try await answer(fixture, upstream, chatBody("summarise this", model: "chat"))
        #expect(first.status == 200, "\(first.text)")
        #expect(first.header("x-switchyard-provider") == "openai")
        #expect(first.header("x-switchyard-model") == "gpt-4o-mini")
        #expect(first.header("x-switchyard-attempts") == "1")
        #expect(first.header("x-switchyard-cache") == "miss")
        #expect(first.json["model"]?.stringValue == "gpt-4o-mini")
        #expect(first.json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue?.isEmpty == false)

        let second = try await answer(fixture, upstream, chatBody("summarise this", model: "chat"))
        #expect(second.status == 200)
        #expect(second.header("x-switchyard-cache") == "hit")
        #expect(second.json["choices"] == first.json["choices"])

        await upstream.shutdown()
        await mock.shutdown()
        await fixture.shutdown()
    }

    /// Sends `body` to /v1/chat/completions and runs an LLM worker in drain mode once the job exists.
    private func answer(_ fixture: APIFixture, _ upstream: UpstreamClient, _ body: String) async throws -> APIResponse {
        let before = try await fixture.jobCount()
        let request = Task { await fixture.alice.post("/v1/chat/completions", body) }
        while try await fixture.jobCount() == before { try await Task.sleep(for: .milliseconds(10)) }
        let worker = try await LLMWorker.start(url: fixture.url, upstream: upstream, drain: true)
        await worker.stop(drained: true)
        return await request.value
    }
}
