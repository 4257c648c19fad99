import Dispatch
import Foundation
import Gateway
import MockProvider
import Postgres
import Providers
import Queue
import Worker

enum BenchGatewayCommand: Command {
    static let spec = CommandSpec(
        name: "bench gateway", summary: "Benchmark the gateway end to end against an in-process mock provider",
        options: [
            .databaseURL,
            .value("--jobs", "N", "Jobs to preload and drain (default 20000)"),
            .value("--concurrency", "N", "Worker slots (default 1000)"),
            .value("--latency-ms", "MS", "Mock provider latency per call (default 0)"),
            .flag("--no-cache", "Skip the cache lookup and write"),
        ],
        discussion: """
            Each job: claim → route → cache miss (unique prompts) → real HTTP call to the mock provider → \
            result + usage row. Uses queue 'bench' (old jobs deleted first) and a config held in memory \
            (the stored config is not touched). Prints one line: bench=gateway jobs=N seconds=S \
            jobs_per_s=R peak_rss_mb=M cpu_us_per_job=C pg_cpu_us_per_job=P (CPU time per job over the \
            drain: this process — worker and mock — and the PostgreSQL backends of this database, when the \
            server runs on this machine)
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        try await runBench(
            name: "gateway", arguments: arguments,
            jobs: try arguments.int("--jobs", default: 20_000, range: 1...10_000_000),
            concurrency: try arguments.int("--concurrency", default: 1_000, range: 1...100_000),
            latencyMs: try arguments.int("--latency-ms", default: 0, range: 0...600_000))
    }

    static func runBench(name: String, arguments: ParsedArguments, jobs count: Int, concurrency: Int, latencyMs: Int) async throws -> Int32 {
        UpstreamClient.initializeLibcurl()
        var mockConfiguration = MockProviderConfiguration()
        if latencyMs > 0 { mockConfiguration.latencyOverride = .fixed(ms: Double(latencyMs)) }
        let mock = MockProviderServer(configuration: mockConfiguration, port: 0)
        let port = try mock.start()
        let config = try benchConfig(mockPort: port, latencyMs: latencyMs)

        var configuration = WorkerConfiguration()
        configuration.queue = "bench"
        configuration.concurrency = concurrency
        configuration.maxClaimBatch = min(1_000, concurrency)
        configuration.completionBatchSize = 1_000
        configuration.drain = true
        let database = DatabaseOptions.configuration(arguments)
        let client = PostgresClient(configuration: database, maxConnections: configuration.completionWriters + 8)
        defer { client.shutdown() }
        if let directory = Migrator.defaultDirectory() { _ = try await Migrator(client: client).migrate(directory: directory) }
        try await client.query("DELETE FROM switchyard.jobs WHERE queue = 'bench'")
        try await client.execute(unsafeSQL: "VACUUM ANALYZE switchyard.jobs")

        let run = UUID().uuidString.prefix(8)
        let options = arguments.flag("--no-cache") ? #"{"cache": {"no_cache": true}}"# : "{}"
        var jobs: [NewJob] = []
        jobs.reserveCapacity(count)
        for index in 0..<count {
            var job = NewJob(route: "bench", request: #"{"model":"bench","messages":[{"role":"user","content":"bench \#(run) \#(index)"}]}"#)
            job.queue = "bench"
            job.options = options
            jobs.append(job)
        }
        _ = try await JobQueue(client: client).enqueue(jobs)

        let worker = try BenchLLMWorker(client: client, configuration: configuration, config: config,
                                        listenerConfiguration: database)
        let pgBefore = try await BenchCPU.backendMicroseconds(client)
        let cpuBefore = BenchCPU.processMicroseconds()
        let start = DispatchTime.now().uptimeNanoseconds
        await worker.runtime.run()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpuUsed = BenchCPU.processMicroseconds() - cpuBefore
        let pgUsed = try await BenchCPU.backendMicroseconds(client).map { $0 - (pgBefore ?? 0) }
        await worker.stopExecutor()
        await mock.shutdown()

        let rows = try await client.query("""
            SELECT count(*) FILTER (WHERE j.state = 'succeeded') AS ok,
                   (SELECT count(*) FROM switchyard.attempts a JOIN switchyard.jobs b ON b.id = a.job_id WHERE b.queue = 'bench') AS usage
            FROM switchyard.jobs j WHERE j.queue = 'bench'
            """)
        let succeeded = rows.first?.int("ok") ?? 0
        let usage = rows.first?.int("usage") ?? 0
        guard succeeded == count else { throw CommandFailure("only \(succeeded) of \(count) jobs succeeded") }
        print(String(
            format: "bench=%@ jobs=%d concurrency=%d latency_ms=%d seconds=%.2f jobs_per_s=%.0f usage_rows=%d peak_rss_mb=%.0f cpu_us_per_job=%.0f",
            name, count, concurrency, latencyMs, seconds, Double(count) / seconds, usage, peakRSSMegabytes(),
            Double(cpuUsed) / Double(count)) + (pgUsed.map { String(format: " pg_cpu_us_per_job=%.0f", Double($0) / Double(count)) } ?? ""))
        return 0
    }

    /// Route `bench` → deployment `gpt-4o-mini` of the mock provider at `mockPort`, with the cache
    /// on (the benches send unique prompts, so every job is a miss and a cache write).
    static func benchConfig(mockPort: Int, latencyMs: Int) throws -> GatewayConfig {
        try GatewayConfig.parse("""
            {"version": 1,
             "providers": [{"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:\(mockPort)/v1", "region": "local", "api_key": "bench"}],
             "deployments": [{"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "context_window": 128000,
                              "price": {"input_per_million": 0.15, "output_per_million": 0.60}}],
             "routes": [{"name": "bench", "strategy": "priority", "targets": ["gpt-4o-mini"]}],
             "resilience": {"attempt_timeout_ms": \(max(10_000, latencyMs * 5))},
             "baseline_model": "gpt-4o-mini"}
            """)
    }

    /// VmHWM of this process (worker, mock provider and load generator together), in MiB.
    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kb = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "0") ?? 0
        return kb / 1024
    }
}
