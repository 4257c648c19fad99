import API
import Foundation
import Gateway
import Postgres
import Synchronization
import Worker

/// Everything `switchyard up` runs on one machine: the embedded PostgreSQL cluster (unless a
/// database URL is given), migrations, the mock providers (unless provider keys are set), the
/// gateway config, a first client key, the worker pool of `workers/pool.json` and `serve`.
///
/// Every process is a child of this one, in a process group of its own, and gets a signal when
/// this process dies; `stop()` ends them in order: `serve` and the workers (which drain), then
/// the mock providers, then PostgreSQL.
public final class LocalStack: Sendable {
    /// Progress for people: a line of text, or what happened to a child process.
    public enum Event: Sendable {
        case note(String)
        case process(ProcessSupervisor.Event)
    }

    private struct Parts: Sendable {
        var cluster: EmbeddedCluster?
        var client: PostgresClient?
        var mock: (supervisor: ProcessSupervisor, task: Task<ProcessSupervisor.Outcome, Never>)?
        var app: (supervisor: ProcessSupervisor, task: Task<ProcessSupervisor.Outcome, Never>)?
        var stopRequested = false
        var stopped = false
    }

    public let options: LocalStackOptions
    private let onEvent: @Sendable (Event) -> Void
    private let parts = Mutex(Parts())
    private let databaseURLValue = Mutex<String?>(nil)

    public init(options: LocalStackOptions, onEvent: @escaping @Sendable (Event) -> Void) {
        self.options = options
        self.onEvent = onEvent
    }

    /// The database everything uses, once `start()` has chosen it.
    public var databaseURL: String? { databaseURLValue.withLock { $0 } }

    /// Starts everything and returns once `serve` listens.
    /// - Throws: ``LocalStackError`` (or a PostgreSQL error) saying what failed; whatever was already
    ///   started keeps running until `stop()`.
    public func start() async throws -> LocalStackInfo {
        let environment = options.environment
        let state = URL(fileURLWithPath: options.stateDirectory).standardizedFileURL.path
        let logs = state + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)

        // 1. The database.
        let url: String
        var clusterDirectory: String?
        if let given = options.databaseURL {
            url = given
        } else {
            let cluster = try await EmbeddedCluster.start(directory: state + "/postgres") { [onEvent] in onEvent(.note($0)) }
            parts.withLock { $0.cluster = cluster }
            try checkNotStopped()
            try await cluster.createDatabase(options.databaseName, recreate: options.freshDatabase)
            url = cluster.url(database: options.databaseName)
            clusterDirectory = cluster.directory
            onEvent(.note("embedded PostgreSQL (pid \(cluster.pid)) at \(url); data in \(cluster.directory)/data, log \(cluster.serverLog)"))
        }
        databaseURLValue.withLock { $0 = url }
        let client = PostgresClient(configuration: PostgresConfiguration(url: url), maxConnections: 2)
        parts.withLock { $0.client = client }
        guard let migrations = Migrator.defaultDirectory() else {
            throw LocalStackError("no migrations folder found (run from the repository, or set SWITCHYARD_MIGRATIONS)")
        }
        let applied = try await Migrator(client: client).migrate(directory: migrations)
        onEvent(.note(applied.isEmpty ? "migrations: up to date" : "migrations applied: \(applied.joined(separator: ", "))"))
        try checkNotStopped()

        // 2. Providers and the config.
        var childEnvironment = environment
        childEnvironment["SWITCHYARD_DATABASE_URL"] = url
        let mode = options.providers.resolved(environment: environment)
        let keys = ProviderMode.keysPresent(in: environment)
        var mockURL: String?
        var mockPort: Int?
        if mode == .mock {
            let port = try await startMock(environment: childEnvironment, logs: logs)
            mockPort = port
            mockURL = "http://127.0.0.1:\(port)"
        } else {
            onEvent(.note("real providers: keys found in \(keys.isEmpty ? "no variable" : keys.joined(separator: ", ")) (deployments of other providers are skipped)"))
        }
        let configPath = try locate(options.configPath, default: mode == .mock ? "examples/switchyard.json" : "examples/switchyard.real.json", what: "config")
        let config = try LocalConfig.prepare(path: configPath, mockPort: mockPort, environment: environment)
        for note in config.notes { onEvent(.note(note)) }
        let version = try await GatewayConfigStore(client: client).apply(config.bytes, appliedBy: "switchyard up")
        onEvent(.note("config \(configPath) applied (version \(version.id)\(version.unchanged ? ", unchanged" : ""))"))
        let key = try await ClientKeyStore(client: client).create(name: "up \(Self.timestamp())", admin: true, tpm: nil, tpd: nil)
        try checkNotStopped()

        // 3. Workers and serve.
        let poolPath = try locate(options.poolPath, default: "workers/pool.json", what: "worker pool file")
        let pool: PoolDefinition
        do {
            pool = try PoolDefinition.load(path: poolPath)
        } catch {
            throw LocalStackError("the worker pool file is invalid:\n\(error)")
        }
        if options.port != 0 && !LocalPort.isFree(options.port, host: options.host) {
            throw LocalStackError("port \(options.port) on \(options.host) is in use (another 'switchyard up'?): pass --port N, or --port 0 for any free one")
        }
        let workers = pool.processes(environment: childEnvironment, logDirectory: logs)
        let serve = SupervisedProcess(
            name: "serve",
            options: .switchyard(["serve", "--host", options.host, "--port", String(options.port)], environment: childEnvironment,
                                 outputPath: logs + "/serve.log"))
        let processes = workers + [serve]
        for process in processes { if let path = process.options.outputPath { LogFile(path: path).reset() } }
        let app = ProcessSupervisor(processes: processes, restart: pool.restart, stopTimeoutMs: pool.stopTimeoutMs) { [onEvent] in
            onEvent(.process($0))
        }
        parts.withLock { $0.app = (app, Task { await app.run() }) }
        let apiPort = try await waitForPort(of: "serve", in: app, log: logs + "/serve.log", marker: "serve listening on")
        if options.port == 0 {
            app.replaceArguments(of: "serve", with: ["serve", "--host", options.host, "--port", String(apiPort)])
        }
        await waitForWorkers(workers, in: app)
        return LocalStackInfo(
            databaseURL: Self.redacted(url), clusterDirectory: clusterDirectory, apiURL: "http://\(options.host):\(apiPort)",
            mockURL: mockURL, providers: mode, providerKeys: keys, configPath: configPath, poolPath: poolPath, logDirectory: logs,
            clientKey: key.key, workers: workers.count)
    }

    /// Asks `start()` to give up at its next step and the supervisors to stop; `stop()` does the rest.
    public func requestStop() {
        let supervisors = parts.withLock { parts -> [ProcessSupervisor] in
            parts.stopRequested = true
            return [parts.app?.supervisor].compactMap { $0 }
        }
        for supervisor in supervisors { supervisor.stop() }
    }

    /// True once `requestStop()` or `stop()` was called.
    public var isStopRequested: Bool { parts.withLock { $0.stopRequested } }

    /// Stops everything that was started, in order, and waits for it. Safe to call twice.
    public func stop() async {
        let current = parts.withLock { parts -> Parts? in
            if parts.stopped { return nil }
            parts.stopped = true
            parts.stopRequested = true
            return parts
        }
        guard let current else { return }
        if let app = current.app {
            onEvent(.note("stopping serve and the workers (they finish or release their jobs)"))
            app.supervisor.stop()
            _ = await app.task.value
        }
        if let mock = current.mock {
            mock.supervisor.stop()
            _ = await mock.task.value
        }
        current.client?.shutdown()
        if let cluster = current.cluster {
            onEvent(.note("stopping PostgreSQL (pid \(cluster.pid))"))
            await cluster.stop()
        }
        onEvent(.note("everything stopped"))
    }

    // MARK: Steps

    private func startMock(environment: [String: String], logs: String) async throws -> Int {
        var port = options.mockPort
        if port == LocalConfig.standardMockPort && !LocalPort.isFree(port) {
            onEvent(.note("port \(port) is taken; the mock providers use a free port instead"))
            port = 0
        }
        let profile: String?
        if let given = options.mockProfilePath {
            profile = given.isEmpty ? nil : given
        } else {
            profile = SourceCheckout.locate("examples/mock-profile.json")?.path
        }
        func arguments(port: Int) -> [String] {
            ["mock-provider", "--host", "127.0.0.1", "--port", String(port)] + (profile.map { ["--profile", $0] } ?? [])
        }
        let log = logs + "/mock-provider.log"
        LogFile(path: log).reset()
        let mock = ProcessSupervisor(
            processes: [SupervisedProcess(name: "mock-provider", options: .switchyard(arguments(port: port), environment: environment, outputPath: log))],
            stopTimeoutMs: 10_000
        ) { [onEvent] in onEvent(.process($0)) }
        parts.withLock { $0.mock = (mock, Task { await mock.run() }) }
        let bound = try await waitForPort(of: "mock-provider", in: mock, log: log, marker: "mock-provider listening on")
        if port == 0 {
            mock.replaceArguments(of: "mock-provider", with: arguments(port: bound))
        }
        onEvent(.note("mock providers on http://127.0.0.1:\(bound)\(profile.map { " (latency profile \($0))" } ?? "")"))
        return bound
    }

    /// Waits for the `HOST:PORT` line a server prints once it listens.
    private func waitForPort(of name: String, in supervisor: ProcessSupervisor, log: String, marker: String) async throws -> Int {
        let line = await LogFile(path: log).waitForLine(containing: marker, timeoutMs: 60_000) {
            !supervisor.hasEnded(name)
        }
        guard let line, let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw LocalStackError("\(name) did not start; the end of \(log):\n\(LogFile(path: log).tail())")
        }
        return port
    }

    /// Waits (a while, not forever) for each worker's "started" line, so jobs submitted next run at once.
    private func waitForWorkers(_ workers: [SupervisedProcess], in supervisor: ProcessSupervisor) async {
        for worker in workers {
            guard let path = worker.options.outputPath else { continue }
            let line = await LogFile(path: path).waitForLine(containing: #""msg":"worker started""#, timeoutMs: 30_000) {
                !supervisor.hasEnded(worker.name)
            }
            if line == nil {
                onEvent(.note("\(worker.name) has not reported for work yet; see \(path):\n\(LogFile(path: path).tail(5))"))
            }
        }
    }

    private func locate(_ given: String?, default relativePath: String, what: String) throws -> String {
        if let given {
            guard FileManager.default.fileExists(atPath: given) else { throw LocalStackError("the \(what) \(given) does not exist") }
            return given
        }
        guard let found = SourceCheckout.locate(relativePath) else {
            throw LocalStackError("no \(what) given and no \(relativePath) here or in the checkout")
        }
        return found.path
    }

    private func checkNotStopped() throws {
        if parts.withLock({ $0.stopRequested }) { throw LocalStackError("stopped before everything had started") }
    }

    /// `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
