import Dispatch
import Foundation
import Gateway
import HTTP
import Postgres
import Providers
import Queue
import Synchronization

/// The HTTP routes of `switchyard serve`: jobs, the OpenAI-compatible endpoints, admin, analytics,
/// health and metrics. Every answer goes through ``RequestObserver`` (request id, log line, metrics).
///
/// Every `/v1` route needs `Authorization: Bearer <client key>`; a client sees only its own jobs
/// (anyone else's are answered 404, as if they did not exist). All database work goes through the
/// `PostgresClient` pool, so handlers never block the concurrency pool. The process runs no jobs:
/// workers do, and this front waits for them through ``JobWaiters``.
public final class GatewayAPI: Sendable {
    /// Limits and defaults; tests shorten the timeouts.
    public struct Configuration: Sendable {
        /// Largest body on job-submitting routes (413 beyond).
        public var maxJobBodyBytes = 1 << 20
        /// Completion tokens reserved against a quota for a request that sets no `max_tokens`.
        public var quotaDefaultCompletionTokens = 256
        /// How often finished jobs' quota reservations are settled from the ledger.
        public var quotaSettleMs = 1_000
        /// Put prompt text in request log lines (`serve --log-prompts`); off, no log line has any.
        public var logPrompts = false
        /// How long `/metrics` reuses what it read from the database.
        public var metricsCacheMs = 1_000
        /// How often `/metrics` recounts finished jobs (a count over the whole jobs table).
        public var metricsTerminalCountMs = 30_000
        /// Longest `?wait=` a client may ask for, in seconds.
        public var maxWaitSeconds = 60.0
        /// How long `/v1/chat/completions` waits for its job before answering 504.
        public var chatTimeoutMs = 600_000
        /// Priority of jobs submitted through `/v1/chat/completions` (a caller is waiting).
        public var chatPriority = 100
        /// How long a read of the stored gateway config is reused.
        public var configCacheMs = 1_000
        /// Serve this config instead of the stored one (benchmarks leave the stored config alone).
        public var fixedGatewayConfig: GatewayConfig?
        /// Files and batches (`/v1/files`, `/v1/batches`).
        public var batches = BatchSettings()
        public init() {}
    }

    let client: PostgresClient
    let queue: JobQueue
    /// Single-job submissions (`/v1/jobs`, `/v1/chat/completions`), a statement per batch.
    let enqueuer: EnqueueBatcher
    /// What `/v1/chat/completions` reads of finished jobs, a statement per batch.
    let answers: ChatAnswer.Reader
    let keys: ClientKeyStore
    let configs: GatewayConfigStore
    let waiters: JobWaiters
    let configuration: Configuration
    let quotas: QuotaLedger
    let observer: RequestObserver
    let metricsCollector: MetricsCollector
    private let settler = Mutex<Task<Void, Never>?>(nil)
    let cachedConfig = Mutex<(loadedAt: UInt64, config: GatewayConfig?)?>(nil)

    /// - Parameter logger: where request lines go (serve: JSON lines on stderr).
    public init(client: PostgresClient, listenerConfiguration: PostgresConfiguration,
                configuration: Configuration = Configuration(), logger: JSONLogger = .disabled) {
        self.client = client
        queue = JobQueue(client: client)
        enqueuer = EnqueueBatcher(queue: queue)
        answers = ChatAnswer.Reader(client: client)
        keys = ClientKeyStore(client: client)
        configs = GatewayConfigStore(client: client)
        waiters = JobWaiters(queue: queue, listenerConfiguration: listenerConfiguration)
        self.configuration = configuration
        quotas = QuotaLedger(client: client)
        observer = RequestObserver(logger: logger, logPrompts: configuration.logPrompts)
        metricsCollector = MetricsCollector(client: client, cacheMs: configuration.metricsCacheMs,
                                            terminalCountMs: configuration.metricsTerminalCountMs)
    }

    /// Starts listening for finished jobs; call before serving.
    public func start() async {
        await waiters.start()
        let task = Task { [self] in await settleQuotasLoop() }
        settler.withLock { $0 = task }
    }

    /// Wakes every waiting request and stops listening.
    public func stop() {
        waiters.stop()
        settler.withLock { $0 }?.cancel()
    }

    /// How many requests are waiting for a job now.
    public var waiterCount: Int { waiters.count }

    /// A router with every route registered.
    public func makeRouter() -> HTTPRouter {
        let router = HTTPRouter { [observer] request, route, next in await observer.observe(request, route: route, next: next) }
        let jobLimit = configuration.maxJobBodyBytes
        router.add("GET", "/health") { [self] _ in await health() }
        router.add("GET", "/ready") { [self] _ in await ready() }
        router.add("GET", "/metrics") { [self] _ in await metricsPage() }
        router.add("GET", "/v1/analytics/{view}") { [self] in await authenticated($0, analytics) }
        addAdminRoutes(to: router, bodyLimit: jobLimit)
        router.add("POST", "/v1/jobs", bodyLimit: jobLimit) { [self] in await authenticated($0, submitJob) }
        router.add("GET", "/v1/jobs") { [self] in await authenticated($0, listJobs) }
        router.add("GET", "/v1/jobs/{id}") { [self] in await authenticated($0, getJob) }
        router.add("DELETE", "/v1/jobs/{id}") { [self] in await authenticated($0, cancelJob) }
        router.add("POST", "/v1/chat/completions", bodyLimit: jobLimit) { [self] in await authenticated($0, chatCompletions) }
        router.add("GET", "/v1/models") { [self] in await authenticated($0, listModels) }
        addBatchRoutes(to: router)
        return router
    }

    typealias AuthenticatedHandler = @Sendable (HTTPRequest, ClientKeyStore.Client) async throws(APIError) -> HTTPResponse

    /// Runs `handler` for the client the bearer key belongs to; 401 in the OpenAI shape otherwise.
    func authenticated(_ request: HTTPRequest, _ handler: AuthenticatedHandler) async -> HTTPResponse {
        guard let authorization = request.headers["Authorization"],
              authorization.lowercased().hasPrefix("bearer ") else { return APIError.unauthorized.response }
        let key = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        let caller: ClientKeyStore.Client?
        do {
            caller = try await keys.authenticate(key: key)
        } catch {
            return APIError(503, "the database is unavailable", type: "server_error", code: "database_unavailable").response
        }
        guard let caller else { return APIError.unauthorized.response }
        RequestContext.setClient(caller.id)
        do {
            return try await handler(request, caller)
        } catch {
            return error.response
        }
    }

    /// The stored gateway config (nil when none was applied), reused for `configCacheMs`; or the
    /// configuration's fixed one.
    func storedConfig() async throws(APIError) -> GatewayConfig? {
        if let fixed = configuration.fixedGatewayConfig { return fixed }
        let now = DispatchTime.now().uptimeNanoseconds
        let ttl = UInt64(configuration.configCacheMs) * 1_000_000
        if let cached = cachedConfig.withLock({ $0 }), now &- cached.loadedAt < ttl { return cached.config }
        do {
            let config = try await configs.latest()?.config
            cachedConfig.withLock { $0 = (now, config) }
            return config
        } catch {
            throw APIError.internalError(error)
        }
    }

    /// 404 naming the model when a config is stored and has no such route or deployment.
    func checkModel(_ model: String) async throws(APIError) {
        guard let config = try await storedConfig() else { return }
        if config.route(named: model) == nil {
            throw APIError(404, "The model '\(model)' does not exist (known: \(config.publicModelNames.joined(separator: ", ")))",
                           code: "model_not_found", param: "model")
        }
    }

    func health() async -> HTTPResponse {
        do {
            _ = try await client.query("SELECT 1")
            return .json(raw: #"{"status":"ok","database":"ok"}"#)
        } catch {
            return .json(raw: #"{"status":"unavailable","database":"unreachable"}"#, status: 503)
        }
    }

    /// Ready to take traffic: the database answers and is migrated (the clients table exists).
    func ready() async -> HTTPResponse {
        do {
            _ = try await client.query("SELECT 1 FROM switchyard.clients LIMIT 0")
            return .json(raw: #"{"status":"ready"}"#)
        } catch {
            return .json(raw: #"{"status":"not_ready","reason":"database unreachable or not migrated (run 'switchyard migrate')"}"#,
                         status: 503)
        }
    }

    static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: value.serialized())
    }
}
