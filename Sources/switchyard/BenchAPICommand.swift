import API
import Foundation
import HTTP
import MockProvider
import Postgres
import Providers
import Queue
import Worker

/// `switchyard bench api`: synchronous `/v1/chat/completions` through serve, a worker runtime with
/// the LLM executor and the mock provider, against the same calls made to the mock directly.
enum BenchAPICommand: Command {
    static let queueName = "bench-api"

    static let spec = CommandSpec(
        name: "bench api",
        summary: "Benchmark chat completions through serve + worker + mock vs. the mock directly",
        options: [
            .databaseURL,
            .value("--seconds", "S", "How long to measure each phase (default 5)"),
            .value("--clients", "N", "Concurrent keep-alive client connections (default 64)"),
            .value("--rate", "R", "Pace both phases at R requests/s in total (default: back to back through the API, "
                + "then the mock directly at the rate the API reached)"),
            .value("--client-threads", "N", "Load-generator threads (default 1)"),
            .value("--concurrency", "N", "Worker slots (default 100, as 'switchyard worker')"),
        ],
        discussion: """
            In one process, as 'switchyard serve', 'switchyard worker --executor llm' and 'switchyard mock-provider' \
            would run with their defaults: an HTTP front (8 database connections, one LISTEN connection for \
            waiters), a worker runtime with the LLM executor (routing, cache miss and write, a real HTTP call to \
            the mock, usage row), and the mock provider with no added latency. Every request has a unique prompt. \
            Phase 1 sends chat completions to the front from --clients keep-alive connections; phase 2 sends the \
            same calls straight to the mock from the same load generator, paced at the rate phase 1 reached so \
            the mock sees the load it saw behind the gateway. added_* = API latency − direct latency at that \
            percentile. Uses queue 'bench-api' (its old jobs are deleted first), a client key created for the run \
            and revoked after it, and a config held in memory (the stored config is not touched). Prints one line: \
            bench=api clients=N seconds=S requests=N requests_per_s=R direct_p50_ms=.. direct_p99_ms=.. p50_ms=.. \
            p99_ms=.. added_p50_ms=.. added_p99_ms=.., then cpu_us_per_request (this process: front, worker, mock and \
            load generator) and pg_cpu_us_per_request (the PostgreSQL backends of this database, when the server \
            runs on this machine) over the API phase, and rate=R when --rate is given.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let seconds = try arguments.double("--seconds", default: 5, range: 0.1 ... 3600)
        let clients = try arguments.int("--clients", default: 64, range: 1 ... 10_000)
        let threads = try arguments.int("--client-threads", default: 1, range: 1 ... 64)
        let concurrency = try arguments.int("--concurrency", default: 100, range: 1 ... 100_000)
        let rate = try arguments.string("--rate").map { _ in try arguments.double("--rate", default: 0, range: 1 ... 1_000_000) }

        UpstreamClient.initializeLibcurl()
        let mock = MockProviderServer(configuration: MockProviderConfiguration(), port: 0)
        let mockPort = try mock.start()
        let config = try BenchGatewayCommand.benchConfig(mockPort: mockPort, latencyMs: 0)

        let database = DatabaseOptions.configuration(arguments)
        let serveClient = PostgresClient(configuration: database, maxConnections: 8)
        defer { serveClient.shutdown() }
        if let directory = Migrator.defaultDirectory() { _ = try await Migrator(client: serveClient).migrate(directory: directory) }
        try await serveClient.query("DELETE FROM switchyard.jobs WHERE queue = $1", [queueName])
        try await serveClient.execute(unsafeSQL: "VACUUM ANALYZE switchyard.jobs")
        let key = try await ClientKeyStore(client: serveClient).create(name: "bench api")

        // The front, as `switchyard serve` runs it.
        var apiConfiguration = GatewayAPI.Configuration()
        apiConfiguration.fixedGatewayConfig = config
        let api = GatewayAPI(client: serveClient, listenerConfiguration: database, configuration: apiConfiguration)
        await api.start()
        var serverConfiguration = HTTPServerConfiguration(port: 0)
        serverConfiguration.maxConnections = clients + 16
        let server = HTTPServer(configuration: serverConfiguration, router: api.makeRouter())
        let apiPort = try server.start()

        // The worker, as `switchyard worker --executor llm` runs it.
        var workerConfiguration = WorkerConfiguration()
        workerConfiguration.queue = queueName
        workerConfiguration.concurrency = concurrency
        let workerClient = PostgresClient(configuration: database, maxConnections: workerConfiguration.completionWriters + 8)
        defer { workerClient.shutdown() }
        let worker = try BenchLLMWorker(client: workerClient, configuration: workerConfiguration, config: config,
                                        listenerConfiguration: database)
        let working = Task { await worker.runtime.run() }

        let run = UUID().uuidString.prefix(8)
        let apiHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(key.key)\r\n"
            + "Content-Type: application/json\r\n"
        let directHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer bench\r\n"
            + "Content-Type: application/json\r\n"
        func request(_ head: String, _ model: String, _ extra: String, _ phase: String) -> BenchLoadGenerator.RequestBuilder {
            { thread, sequence in
                let body = #"{"model":"\#(model)"\#(extra),"messages":[{"role":"user","content":"bench api \#(run) \#(phase) \#(thread) \#(sequence)"}]}"#
                return Array((head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
            }
        }
        var apiLoad = BenchLoadGenerator(port: apiPort, connections: clients, threads: threads, requestsPerSecond: rate,
                                         answerTimeoutMs: 30_000,
                                         request: request(apiHead, "bench", #","queue":"\#(queueName)""#, "a"))
        var directLoad = BenchLoadGenerator(port: mockPort, connections: clients, threads: threads, requestsPerSecond: rate,
                                            answerTimeoutMs: 30_000, request: request(directHead, "gpt-4o-mini", "", "d"))

        // Warm up both paths (connections, prepared statements, first allocations), then measure.
        apiLoad.request = request(apiHead, "bench", #","queue":"\#(queueName)""#, "aw")
        let warmAPI = await apiLoad.run(seconds: min(1, seconds))
        apiLoad.request = request(apiHead, "bench", #","queue":"\#(queueName)""#, "a")
        directLoad.requestsPerSecond = rate ?? max(1, warmAPI.requestsPerSecond)
        directLoad.request = request(directHead, "gpt-4o-mini", "", "dw")
        _ = await directLoad.run(seconds: min(1, seconds) / 2)
        directLoad.request = request(directHead, "gpt-4o-mini", "", "d")
        let pgBefore = try await BenchCPU.backendMicroseconds(serveClient)
        let cpuBefore = BenchCPU.processMicroseconds()
        let through = await apiLoad.run(seconds: seconds)
        let cpuUsed = BenchCPU.processMicroseconds() - cpuBefore
        let pgUsed = try await BenchCPU.backendMicroseconds(serveClient).map { $0 - (pgBefore ?? 0) }
        directLoad.requestsPerSecond = rate ?? max(1, through.requestsPerSecond)
        let direct = await directLoad.run(seconds: seconds)

        worker.runtime.stop()
        await working.value
        await worker.stopExecutor()
        api.stop()
        await server.shutdown(graceMs: 1_000)
        await mock.shutdown()
        _ = try? await ClientKeyStore(client: serveClient).revoke(id: key.id)

        for (name, result) in [("through the API", through), ("to the mock", direct), ("warm-up", warmAPI)]
        where result.failures > 0 || result.errors > 0 {
            printError("bench api: \(result.failures) connection(s) failed and \(result.errors) answer(s) were not 200 \(name)"
                + (result.firstError.map { "; first: \($0)" } ?? ""))
            return 1
        }
        let format = BenchHTTPCommand.format
        let (p50, p99) = (through.percentileMs(0.5), through.percentileMs(0.99))
        let (directP50, directP99) = (direct.percentileMs(0.5), direct.percentileMs(0.99))
        print("bench=api clients=\(clients) seconds=\(format(through.elapsed, 2)) requests=\(through.latenciesNs.count)"
            + " requests_per_s=\(Int(through.requestsPerSecond.rounded()))"
            + " direct_p50_ms=\(format(directP50, 3)) direct_p99_ms=\(format(directP99, 3))"
            + " p50_ms=\(format(p50, 3)) p99_ms=\(format(p99, 3))"
            + " added_p50_ms=\(format(p50 - directP50, 3)) added_p99_ms=\(format(p99 - directP99, 3))"
            + " cpu_us_per_request=\(format(Double(cpuUsed) / Double(max(1, through.latenciesNs.count)), 0))"
            + (pgUsed.map { " pg_cpu_us_per_request=\(format(Double($0) / Double(max(1, through.latenciesNs.count)), 0))" } ?? "")
            + (rate.map { " rate=\(Int($0))" } ?? ""))
        return 0
    }
}
