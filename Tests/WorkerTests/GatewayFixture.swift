import Foundation
import Gateway
import MockProvider
import Postgres
import Providers
import Queue
import TestSupport
import Worker

/// A database with a gateway config applied that points at an in-process mock provider on port 0,
/// plus helpers to run an ``LLMExecutor`` worker in drain mode. Timeouts are short.
struct GatewayFixture {
    let base: WorkerFixture
    let mock: MockProviderServer
    let port: Int
    let upstream: UpstreamClient

    private static let curl: Void = UpstreamClient.initializeLibcurl()

    static func make(
        _ name: String = #function, mock configuration: MockProviderConfiguration = MockProviderConfiguration(),
        resilience: String = GatewayFixture.fastResilience, extraProviders: String = "", extraDeployments: String = "",
        extraRoutes: String = ""
    ) async throws -> GatewayFixture {
        _ = curl
        let base = try await WorkerFixture.make(name)
        let mock = MockProviderServer(configuration: configuration, port: 0)
        let port = try mock.start()
        let fixture = GatewayFixture(base: base, mock: mock, port: port, upstream: UpstreamClient())
        let config = fixture.config(
            resilience: resilience, extraProviders: extraProviders.replacingOccurrences(of: "PORT", with: String(port)),
            extraDeployments: extraDeployments, extraRoutes: extraRoutes)
        _ = try await GatewayConfigStore(client: base.client).apply(Array(config.utf8))
        return fixture
    }

    /// Short breaker and backoff timings; a generous attempt timeout, since no test using it is
    /// about timeouts: with 3 s, a full parallel run on two cores left some calls to the in-process
    /// mock unanswered that long (0 bytes after 3,001 ms), and their failovers broke the split counts.
    static let fastResilience = """
        {"breaker": {"consecutive_failures": 3, "failure_ratio": 0.5, "minimum_requests": 1000, "window_ms": 60000,
                     "reset_timeout_ms": 400, "probe_timeout_ms": 2000},
         "retries": 3, "backoff_base_ms": 20, "backoff_max_ms": 200, "attempt_timeout_ms": 30000,
         "default_cooldown_ms": 200, "latency_ewma_alpha": 0.2}
        """

    func config(resilience: String, extraProviders: String, extraDeployments: String, extraRoutes: String) -> String {
        """
        {"version": 1,
         "providers": [
           {"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:\(port)/v1", "region": "local", "api_key": "mock-key"},
           {"name": "anthropic", "type": "anthropic", "base_url": "http://127.0.0.1:\(port)", "region": "local", "api_key": "mock-key"}
           \(extraProviders)
         ],
         "deployments": [
           {"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "context_window": 128000,
            "price": {"input_per_million": 2.50, "output_per_million": 10.00}},
           {"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "context_window": 128000,
            "price": {"input_per_million": 0.15, "output_per_million": 0.60}},
           {"name": "claude-3-5-sonnet", "provider": "anthropic", "model": "claude-3-5-sonnet", "context_window": 200000,
            "price": {"input_per_million": 3.00, "output_per_million": 15.00}}
           \(extraDeployments)
         ],
         "routes": [
           {"name": "chat", "strategy": "weighted",
            "targets": [{"deployment": "gpt-4o", "weight": 50}, {"deployment": "gpt-4o-mini", "weight": 50}],
            "fallbacks": ["claude-3-5-sonnet"]}
           \(extraRoutes)
         ],
         "resilience": \(resilience),
         "cache": {"enabled": true, "ttl_s": 3600, "max_entries": 10000},
         "baseline_model": "gpt-4o"}
        """
    }

    func enqueue(route: String, prompts: [String], options: String = "{}") async throws -> [Int64] {
        let jobs = prompts.map { prompt -> NewJob in
            var job = NewJob(route: route, request: #"{"model":"\#(route)","messages":[{"role":"user","content":"\#(prompt)"}]}"#)
            job.options = options
            return job
        }
        return try await base.queue.enqueue(jobs).map(\.id)
    }

    /// Runs one worker with the LLM executor until the queue is empty.
    func drain(concurrency: Int = 100) async throws {
        var configuration = WorkerFixture.configuration(concurrency: concurrency)
        configuration.drain = true
        let client = TestDatabase.client(base.url, maxConnections: 8)
        defer { client.shutdown() }
        var settings = LLMExecutor.Settings(workerID: configuration.workerID, listenerConfiguration: PostgresConfiguration(url: base.url))
        settings.log = { _ in }
        let executor = LLMExecutor(client: client, upstream: upstream, settings: settings)
        _ = try await executor.reloadConfig()
        let service = Task { await executor.run() }
        let runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration,
                                        listenerConfiguration: PostgresConfiguration(url: base.url))
        await runtime.run()
        executor.stop()
        await service.value
    }

    /// Runs `workers` LLM workers at once until the queue is empty. Each has its own database
    /// client, executor and deployment state board, as separate processes would; they share only
    /// PostgreSQL (and, in this process, the upstream client).
    func drain(workers: Int, concurrency: Int) async throws {
        var pairs: [(WorkerRuntime, LLMExecutor, PostgresClient)] = []
        for index in 0..<workers {
            var configuration = WorkerFixture.configuration(concurrency: concurrency)
            configuration.drain = true
            configuration.workerID = "worker-\(index)"
            let client = TestDatabase.client(base.url, maxConnections: 4)
            var settings = LLMExecutor.Settings(workerID: configuration.workerID, listenerConfiguration: PostgresConfiguration(url: base.url))
            settings.log = { _ in }
            let executor = LLMExecutor(client: client, upstream: upstream, settings: settings)
            _ = try await executor.reloadConfig()
            let runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration,
                                            listenerConfiguration: PostgresConfiguration(url: base.url))
            pairs.append((runtime, executor, client))
        }
        await withTaskGroup(of: Void.self) { group in
            for (_, executor, _) in pairs { group.addTask { await executor.run() } }
            await withTaskGroup(of: Void.self) { runtimes in
                for (runtime, _, _) in pairs { runtimes.addTask { await runtime.run() } }
            }
            for (_, executor, _) in pairs { executor.stop() }
        }
        for (_, _, client) in pairs { client.shutdown() }
    }

    func query(_ sql: String) async throws -> PostgresResult { try await base.client.query(sql) }

    func shutdown() async {
        await mock.shutdown()
        await upstream.shutdown()
        base.shutdown()
    }
}
