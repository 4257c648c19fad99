import API
import Foundation
import Gateway
import HTTP
import Postgres
import Providers
import Queue
import TestSupport
import Worker

/// A database, `serve`'s router on port 0 and two clients (alice, bob) for one test.
struct APIFixture {
    let url: String
    let client: PostgresClient
    let queue: JobQueue
    let api: GatewayAPI
    let server: HTTPServer
    let port: Int
    let alice: APITestClient
    let bob: APITestClient

    static func make(_ name: String = #function, configuration: GatewayAPI.Configuration = .init(),
                     logger: JSONLogger = .disabled) async throws -> APIFixture {
        let url = try await TestDatabase.create(name)
        let client = TestDatabase.client(url, maxConnections: 8)
        let api = GatewayAPI(client: client, listenerConfiguration: PostgresConfiguration(url: url), configuration: configuration,
                             logger: logger)
        await api.start()
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.port = 0
        let server = HTTPServer(configuration: serverConfiguration, router: api.makeRouter())
        let port = try server.start()
        let keys = ClientKeyStore(client: client)
        let alice = try await keys.create(name: "alice")
        let bob = try await keys.create(name: "bob")
        return APIFixture(url: url, client: client, queue: JobQueue(client: client), api: api, server: server, port: port,
                          alice: APITestClient(port: port, key: alice.key), bob: APITestClient(port: port, key: bob.key))
    }

    var anonymous: APITestClient { APITestClient(port: port, key: nil) }

    func jobCount() async throws -> Int {
        try await client.query("SELECT count(*) FROM switchyard.jobs").first?.int("count") ?? -1
    }

    /// Runs an echo worker until `body` returns.
    func withEchoWorker<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withWorker(executor: { _ in EchoExecutor() }, body)
    }

    /// Applies a config whose routes reach the mock provider at `mockPort` over real HTTP (route
    /// `chat` → deployment `gpt-4o-mini`; `gpt-4o` directly), runs an LLM worker until `body` returns.
    func withMockLLMWorker<T: Sendable>(mockPort: Int, _ body: () async throws -> T) async throws -> T {
        let config = """
            {"version": 1,
             "providers": [{"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:\(mockPort)/v1", "api_key": "mock-key"}],
             "deployments": [{"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "context_window": 128000,
                              "price": {"input_per_million": 0.15, "output_per_million": 0.60}},
                             {"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "context_window": 128000,
                              "price": {"input_per_million": 2.5, "output_per_million": 10}}],
             "routes": [{"name": "chat", "strategy": "priority", "targets": [{"deployment": "gpt-4o-mini"}]}],
             "cache": {"enabled": true, "ttl_s": 3600, "max_entries": 1000},
             "baseline_model": "gpt-4o"}
            """
        _ = try await GatewayConfigStore(client: client).apply(Array(config.utf8))
        let upstream = UpstreamClient()
        var service: Task<Void, Never>?
        var executor: LLMExecutor?
        let result = try await withWorker(executor: { workerClient in
            var settings = LLMExecutor.Settings(workerID: "api-test", listenerConfiguration: PostgresConfiguration(url: url))
            settings.log = { _ in }
            let llm = LLMExecutor(client: workerClient, upstream: upstream, settings: settings)
            _ = try await llm.reloadConfig()
            service = Task { await llm.run() }
            executor = llm
            return llm
        }, body)
        executor?.stop()
        await service?.value
        await upstream.shutdown()
        return result
    }

    /// Runs a worker with the executor `makeExecutor` builds on the worker's own pool, holding up
    /// to `concurrency` jobs, until `body` returns.
    func withWorker<T: Sendable>(executor makeExecutor: (PostgresClient) async throws -> any JobExecutor, concurrency: Int = 100,
                                 _ body: () async throws -> T) async throws -> T {
        var configuration = WorkerConfiguration()
        configuration.concurrency = concurrency
        configuration.pollIntervalMs = 50
        configuration.completionFlushMs = 1
        configuration.shutdownGraceMs = 1_000
        configuration.log = { _ in }
        let workerClient = TestDatabase.client(url, maxConnections: 4)
        let runtime = try WorkerRuntime(client: workerClient, executor: try await makeExecutor(workerClient),
                                        configuration: configuration, listenerConfiguration: PostgresConfiguration(url: url))
        let running = Task { await runtime.run() }
        defer {
            runtime.stop()
        }
        let result = try await body()
        runtime.stop()
        await running.value
        workerClient.shutdown()
        return result
    }

    func shutdown() async {
        api.stop()
        await server.shutdown(graceMs: 1_000)
        client.shutdown()
    }
}

/// A valid chat request body.
func chatBody(_ content: String = "hello world", model: String = "echo-model", extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(content)"}]\#(extra)}"#
}

extension QuotaLedger.ClientUsage {
    /// What was charged: the day's tokens and the jobs still reserved. The minute's tokens are left
    /// out — they drop to 0 whenever a minute ends between two reads.
    var charges: [Int] { [dayTokens, reservedJobs] }
}
