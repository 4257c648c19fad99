import Gateway
import Postgres
import Providers
import Worker

/// The worker of the LLM benches: a `WorkerRuntime` with the `LLMExecutor` on a config held in
/// memory (the stored config is neither read nor touched) and its own upstream client.
struct BenchLLMWorker {
    let runtime: WorkerRuntime
    private let upstream: UpstreamClient
    private let executor: LLMExecutor
    private let service: Task<Void, Never>

    /// Starts the executor's background service; call `runtime.run()` next, `stopExecutor()` after it returned.
    init(client: PostgresClient, configuration: WorkerConfiguration, config: GatewayConfig,
         listenerConfiguration: PostgresConfiguration) throws {
        let upstream = UpstreamClient(configuration: UpstreamClient.Configuration(callsInFlight: configuration.concurrency))
        var settings = LLMExecutor.Settings(workerID: configuration.workerID, listenerConfiguration: nil)
        settings.followsStoredConfig = false
        let executor = LLMExecutor(client: client, upstream: upstream, settings: settings)
        executor.use(config)
        self.upstream = upstream
        self.executor = executor
        service = Task { await executor.run() }
        runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration,
                                    listenerConfiguration: listenerConfiguration)
    }

    /// Stops the executor's service and the upstream client (once the runtime has returned).
    func stopExecutor() async {
        executor.stop()
        await service.value
        await upstream.shutdown()
    }
}
