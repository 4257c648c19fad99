import API
import Foundation
import Gateway
import Postgres
import Providers
import Queue
import Worker

enum WorkerCommand: Command {
    static let spec = CommandSpec(
        name: "worker", summary: "Run jobs from the queue until stopped (SIGTERM/SIGINT) or drained",
        options: [
            .databaseURL,
            .value("--executor", "NAME", "llm (route and call providers per the applied config), echo (answer with the last user message) or noop (empty answers); default echo"),
            .value("--concurrency", "N", "Jobs held at once (default 100)"),
            .flag("--drain", "Exit 0 once no job of the queue is queued (even for later) or running"),
            .value("--queue", "NAME", "Queue to work (default 'default')"),
            .value("--lease-ms", "MS", "Lease length without a heartbeat (default 30000)"),
            .value("--heartbeat-ms", "MS", "Heartbeat interval, below the lease (default 10000)"),
            .value("--poll-ms", "MS", "Longest wait between claims without NOTIFY, at most 1000 (default 1000)"),
            .value("--rescue-ms", "MS", "Interval of the expired-lease rescuer (default 5000)"),
            .value("--grace-ms", "MS", "At shutdown, how long running jobs may finish (default 10000)"),
            .value("--backoff-ms", "MS", "Base of the retry backoff (default 1000)"),
            .value("--max-claim", "N", "Most jobs per claim (default 1000)"),
            .value("--executor-delay-ms", "MS", "Wait this long in every job first, to simulate provider latency (default 0)"),
            LogOptions.level,
        ],
        discussion: """
            A first SIGTERM/SIGINT stops claiming, lets running jobs finish within the grace period and releases the rest; a second one releases them at once.
            Logs are JSON lines on stderr ({"time","level","msg","worker_id",...}); they never contain keys or prompts.
            With --executor llm, each failover is a line ("failover": job_id, route, from_deployment, to_deployment,
            outcome, status), and so are a cooldown after a 429 and a circuit breaker opening, half-opening and closing.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let executorName = try arguments.choice("--executor", ["echo", "noop", "llm"], default: "echo")
        if executorName == "llm" { UpstreamClient.initializeLibcurl() }
        var executor = try makeExecutor(executorName)
        let delayMs = try arguments.int("--executor-delay-ms", default: 0, range: 0...3_600_000)
        if delayMs > 0 { executor = DelayedExecutor(executor, delayMs: delayMs) }
        var configuration = WorkerConfiguration()
        configuration.concurrency = try arguments.int("--concurrency", default: 100, range: 1...100_000)
        configuration.drain = arguments.flag("--drain")
        configuration.queue = arguments.string("--queue") ?? "default"
        configuration.leaseMs = try arguments.int("--lease-ms", default: 30_000, range: 10...86_400_000)
        configuration.heartbeatIntervalMs = try arguments.int(
            "--heartbeat-ms", default: min(10_000, configuration.leaseMs / 3), range: 1...86_400_000)
        configuration.pollIntervalMs = try arguments.int("--poll-ms", default: 1_000, range: 1...1_000)
        configuration.rescueIntervalMs = try arguments.int("--rescue-ms", default: 5_000, range: 1...86_400_000)
        configuration.shutdownGraceMs = try arguments.int("--grace-ms", default: 10_000, range: 0...86_400_000)
        let backoffMs = try arguments.int("--backoff-ms", default: 1_000, range: 0...3_600_000)
        configuration.backoff = RetryBackoff(baseMs: Int64(backoffMs), capMs: max(Int64(backoffMs), 300_000))
        configuration.maxClaimBatch = try arguments.int("--max-claim", default: 1_000, range: 1...100_000)
        let logger = try LogOptions.logger(arguments)
        let workerID = configuration.workerID
        // Every message the runtime logs is a problem it recovers from.
        configuration.log = { message in logger.log(.warning, message, ["worker_id": .string(workerID)]) }
        do {
            try configuration.validate()
        } catch let error as WorkerConfiguration.ConfigurationError {
            throw UsageError(error.message)
        }

        let database = DatabaseOptions.configuration(arguments)
        let client = PostgresClient(
            configuration: database, maxConnections: configuration.completionWriters + (executorName == "llm" ? 8 : 3))
        defer { client.shutdown() }
        var gateway: (executor: LLMExecutor, upstream: UpstreamClient)?
        if executorName == "llm" {
            let upstream = UpstreamClient(configuration: UpstreamClient.Configuration(callsInFlight: configuration.concurrency))
            var settings = LLMExecutor.Settings(workerID: configuration.workerID, listenerConfiguration: database)
            settings.log = { message in
                let level: JSONLogger.Level = message.hasPrefix("gateway config version") ? .info : .warning
                logger.log(level, message, ["worker_id": .string(workerID)])
            }
            settings.logger = logger
            let llm = LLMExecutor(client: client, upstream: upstream, settings: settings)
            guard try await llm.reloadConfig() else {
                await upstream.shutdown()
                throw CommandFailure("no gateway config applied; run 'switchyard config apply FILE' first")
            }
            gateway = (llm, upstream)
            executor = delayMs > 0 ? DelayedExecutor(llm, delayMs: delayMs) : llm
        }
        let service = Task { [gateway] in await gateway?.executor.run() }
        // Batches whose jobs this worker finishes are finalized here too (any number of processes may).
        // Its own connection: a large finalization must not hold one the completer needs.
        let batchClient = PostgresClient(configuration: database, maxConnections: 1)
        defer { batchClient.shutdown() }
        let batches = BatchService(client: batchClient, listenerConfiguration: database, log: configuration.log)
        let batchService = Task { await batches.run() }
        let runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration,
                                        listenerConfiguration: database)
        let signals = ShutdownSignals { count in
            runtime.stop(graceMs: count > 1 ? 0 : nil)
        }
        logger.log(.info, "worker started", [
            "worker_id": .string(workerID), "queue": .string(configuration.queue), "concurrency": .int(configuration.concurrency),
            "executor": .string(executorName), "drain": .bool(configuration.drain),
        ])
        await runtime.run()
        batches.stop()
        await batchService.value
        if configuration.drain { _ = try? await batches.runOnce() }
        gateway?.executor.stop()
        await service.value
        await gateway?.upstream.shutdown()
        logger.log(.info, "worker stopped", ["worker_id": .string(workerID)])
        await logger.flush()
        withExtendedLifetime(signals) {}
        return 0
    }

    static func makeExecutor(_ name: String) throws -> any JobExecutor {
        switch name {
        case "noop": NoopExecutor()
        default: EchoExecutor()
        }
    }
}
