import Foundation
import Gateway
import Postgres
import Providers
import Queue
import Synchronization

/// Runs chat-completion jobs through the gateway: route (``RoutePlanner`` over the shared
/// deployment state), cache with single flight, provider calls through one process-wide
/// ``UpstreamClient`` with failover, and one usage row per call written with the completion.
///
/// Also a service: ``run()`` loads the config in force, reloads it on NOTIFY `switchyard_config`,
/// syncs ``DeploymentStateBoard`` about every 100 ms and sweeps the cache, until ``stop()``.
public final class LLMExecutor: JobExecutor, Sendable {
    public struct Settings: Sendable {
        public var workerID: String
        /// Where to LISTEN for config changes; nil polls every `configPollMs`.
        public var listenerConfiguration: PostgresConfiguration?
        public var syncIntervalMs = 100
        public var sweepIntervalMs = 10_000
        public var configPollMs = 5_000
        /// Load the stored config and follow it; false keeps whatever ``use(_:versionID:)`` set (benchmarks).
        public var followsStoredConfig = true
        /// Where provider key variables are read.
        public var environment: [String: String] = ProcessInfo.processInfo.environment
        public var log: @Sendable (String) -> Void = { message in
            FileHandle.standardError.write(Data(("worker: " + message + "\n").utf8))
        }
        /// JSON lines for failovers, cooldowns after a 429 and breaker changes (``ResilienceLog``).
        public var logger: JSONLogger = .disabled

        public init(workerID: String, listenerConfiguration: PostgresConfiguration? = nil) {
            self.workerID = workerID
            self.listenerConfiguration = listenerConfiguration
        }
    }

    /// The config in force and what is derived from it.
    struct Loaded: Sendable {
        var versionID: Int64
        var config: GatewayConfig
        var planner: RoutePlanner
        var costs: CostCalculator?
    }

    let client: PostgresClient
    let upstream: UpstreamClient
    let settings: Settings
    public let board: DeploymentStateBoard
    let cache: ResponseCache
    let cacheLookups: CacheLookupBatcher
    let resilienceLog: ResilienceLog
    private let loaded = Mutex<Loaded?>(nil)
    private let stopping = Mutex(false)
    private let wake = WakeSignal()

    public init(client: PostgresClient, upstream: UpstreamClient, settings: Settings) {
        self.client = client
        self.upstream = upstream
        self.settings = settings
        let resilienceLog = ResilienceLog(logger: settings.logger, workerID: settings.workerID)
        self.resilienceLog = resilienceLog
        self.board = DeploymentStateBoard(client: client, syncIntervalMs: settings.syncIntervalMs, log: resilienceLog)
        self.cache = ResponseCache(client: client)
        self.cacheLookups = CacheLookupBatcher(client: client)
    }

    var current: Loaded? { loaded.withLock { $0 } }

    /// The id of the config version in use, if any.
    public var configVersion: Int64? { current?.versionID }

    /// Uses `config` (version `id`) from now on.
    public func use(_ config: GatewayConfig, versionID: Int64 = 0) {
        board.configure(config)
        let planner = RoutePlanner(config: config, environment: settings.environment)
        let costs = config.baselinePrice.map { CostCalculator(baseline: $0) }
        loaded.withLock { $0 = Loaded(versionID: versionID, config: config, planner: planner, costs: costs) }
    }

    /// Loads the newest stored config when it differs from the one in use.
    /// - Returns: whether a config is in use afterwards.
    @discardableResult
    public func reloadConfig() async throws -> Bool {
        guard let version = try await GatewayConfigStore(client: client).latest() else { return current != nil }
        if version.id != current?.versionID {
            use(version.config, versionID: version.id)
            settings.log("gateway config version \(version.id) in use (sha256 \(version.sha256.prefix(12)))")
            // Start from the shared state, not from "all healthy".
            do { try await board.sync() } catch { settings.log("reading deployment state failed: \(error)") }
        }
        return true
    }

    /// Runs the background duties until ``stop()``.
    public func run() async {
        if settings.followsStoredConfig {
            do { try await reloadConfig() } catch { settings.log("loading the gateway config failed: \(error)") }
        }
        let listener = (settings.followsStoredConfig ? settings.listenerConfiguration : nil).map {
            PostgresListener(configuration: $0, channels: [GatewayConfigStore.channel])
        }
        let listening = Task { [self] in
            guard let listener else { return }
            // A config applied after the load above but before the LISTEN ran sent its NOTIFY to
            // no one: load again once listening (this returns at `stop()` too).
            await listener.waitUntilListening()
            do { try await reloadConfig() } catch { settings.log("reloading the gateway config failed: \(error)") }
            for await _ in listener.events() {
                do { try await reloadConfig() } catch { settings.log("reloading the gateway config failed: \(error)") }
            }
        }
        var lastSweep = DispatchTime.now().uptimeNanoseconds
        var lastPoll = lastSweep
        while !stopping.withLock({ $0 }) {
            await wake.wait(timeoutMs: settings.syncIntervalMs)
            do { try await board.sync() } catch { settings.log("syncing deployment state failed: \(error)") }
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastSweep >= UInt64(settings.sweepIntervalMs) * 1_000_000, let config = current?.config {
                lastSweep = now
                do { try await cache.sweep(maxEntries: config.cache.maxEntries) } catch { settings.log("cache sweep failed: \(error)") }
            }
            if settings.followsStoredConfig, listener == nil || current == nil, now - lastPoll >= UInt64(settings.configPollMs) * 1_000_000 {
                lastPoll = now
                _ = try? await reloadConfig()
            }
        }
        try? await board.sync()
        listener?.stop()
        listening.cancel()
    }

    /// Asks ``run()`` to return.
    public func stop() {
        stopping.withLock { $0 = true }
        wake.signal()
    }
}
