import Foundation
import MockProvider
import Providers
import TestSupport
import Testing

/// LangChain's `ChatOpenAI` (pinned in Python/requirements.txt) against the API, changed only in
/// `base_url` and `api_key`, with an LLM worker calling the mock provider over HTTP: invoke, a
/// conversation with a system message, `.stream`, and `batch` of several prompts. The script checks
/// each answer is the mock's deterministic one for exactly the messages sent, from the routed model.
@Suite struct LangChainTests {
    private static let curl: Void = UpstreamClient.initializeLibcurl()

    @Test(arguments: [(route: "chat", model: "gpt-4o-mini"), (route: "gpt-4o", model: "gpt-4o")])
    func chatOpenAIWorksUnchanged(route: String, model: String) async throws {
        _ = Self.curl
        guard let python = try await PythonTestEnvironment.python() else { return }
        let fixture = try await APIFixture.make("langchain_\(route)")
        let mock = MockProviderServer(configuration: MockProviderConfiguration(), port: 0)
        let mockPort = try mock.start()
        let result = try await fixture.withMockLLMWorker(mockPort: mockPort) {
            try await ChildProcess.run(python, [PythonTestEnvironment.script("langchain_check.py"),
                                                "http://127.0.0.1:\(fixture.port)/v1", fixture.alice.key ?? "", route, model],
                                       timeoutMs: 120_000)
        }
        #expect(result.code == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("batch ok"))
        // Every answer came through the queue: one job per call, all succeeded via the mock.
        let rows = try await fixture.client.query(
            "SELECT count(*) AS jobs, count(*) FILTER (WHERE state = 'succeeded') AS ok FROM switchyard.jobs")
        #expect((rows.first?.int("jobs") ?? 0) >= 9)
        #expect(rows.first?.int("jobs") == rows.first?.int("ok"))
        let served = try await fixture.client.query(
            "SELECT DISTINCT model FROM switchyard.attempts WHERE outcome IN ('ok', 'cache_hit')")
        #expect(served.compactMap { $0.string("model") } == [model])
        await mock.shutdown()
        await fixture.shutdown()
    }
}
