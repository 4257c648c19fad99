import Postgres
import Providers
import TestSupport
import Worker

/// A worker runtime with the LLM executor (as `switchyard worker --executor llm` runs them),
/// until `stop()`, or in drain mode until the queue is empty.
struct LLMWorker {
    let runtime: WorkerRuntime
    let executor: LLMExecutor
    let tasks: [Task<Void, Never>]
    let client: PostgresClient

    static func start(url: String, upstream: UpstreamClient, drain: Bool = false) async throws -> LLMWorker {
        var configuration = WorkerConfiguration()
        configuration.drain = drain
        configuration.pollIntervalMs = 50
        configuration.completionFlushMs = 1
        configuration.shutdownGraceMs = 1_000
        configuration.log = { _ in }
        let client = TestDatabase.client(url, maxConnections: 6)
        var settings = LLMExecutor.Settings(workerID: configuration.workerID, listenerConfiguration: PostgresConfiguration(url: url))
        settings.log = { _ in }
        let executor = LLMExecutor(client: client, upstream: upstream, settings: settings)
        _ = try await executor.reloadConfig()
        let runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration,
                                        listenerConfiguration: PostgresConfiguration(url: url))
        return LLMWorker(runtime: runtime, executor: executor,
                         tasks: [Task { await executor.run() }, Task { await runtime.run() }], client: client)
    }

    /// Stops the runtime (or, in drain mode, waits for it to drain), then the executor.
    func stop(drained: Bool = false) async {
        if !drained { runtime.stop() }
        await tasks[1].value
        executor.stop()
        await tasks[0].value
        client.shutdown()
    }
}
