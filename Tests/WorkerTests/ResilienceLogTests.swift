import Foundation
import Gateway
import MockProvider
import Postgres
import Providers
import Synchronization
import Testing
import TestSupport
import Worker

/// The worker's JSON log lines for failovers, cooldowns and breaker changes (seed 000: failover
/// "visible in logs"), written by a real worker runtime against the mock provider over HTTP.
@Suite("Worker log of failovers and breaker changes", .serialized)
struct ResilienceLogTests {
    static let noCache = #"{"cache": {"no_cache": true}}"#

    /// Every line a logger wrote, in order.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        var logger: JSONLogger { JSONLogger(minimumLevel: .debug) { line in self.lines.withLock { $0.append(line) } } }

        /// The lines as objects, those whose `msg` is `message`.
        func objects(_ message: String) -> [JSONValue] {
            all.compactMap { try? JSONValue.parse(Array($0.utf8)) }.filter { $0["msg"]?.stringValue == message }
        }
    }

    /// Runs one LLM worker until the queue is empty, logging to `logger`.
    static func drain(_ fixture: GatewayFixture, logger: JSONLogger, concurrency: Int = 20) async throws {
        var configuration = WorkerFixture.configuration(concurrency: concurrency)
        configuration.drain = true
        let client = TestDatabase.client(fixture.base.url, maxConnections: 8)
        defer { client.shutdown() }
        let database = PostgresConfiguration(url: fixture.base.url)
        var settings = LLMExecutor.Settings(workerID: "worker-under-test", listenerConfiguration: database)
        settings.log = { _ in }
        settings.logger = logger
        let executor = LLMExecutor(client: client, upstream: fixture.upstream, settings: settings)
        _ = try await executor.reloadConfig()
        let service = Task { await executor.run() }
        let runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration, listenerConfiguration: database)
        await runtime.run()
        executor.stop()
        await service.value
    }

    @Test("an outage: one 'failover' line per failed-over job with its id and no prompt or key; the breaker's open, half-open and close")
    func outageIsVisibleInTheLog() async throws {
        var mock = MockProviderConfiguration()
        mock.apiKeys = ["mock-key"]
        let fixture = try await GatewayFixture.make(mock: mock)
        defer { Task { await fixture.shutdown() } }
        let lines = Lines()

        // Jobs answered at their first call log nothing.
        _ = try await fixture.enqueue(route: "chat", prompts: (0..<20).map { "healthy \($0)" }, options: Self.noCache)
        try await Self.drain(fixture, logger: lines.logger)
        #expect(lines.all.isEmpty, "\(lines.all)")

        _ = fixture.mock.engine.setOutage(model: "gpt-4o", enabled: true)
        let ids = try await fixture.enqueue(route: "chat", prompts: (0..<40).map { "confidential-prompt-\($0)" }, options: Self.noCache)
        try await Self.drain(fixture, logger: lines.logger)

        let failovers = lines.objects("failover")
        let failedOver = try await fixture.query("""
            SELECT j.id FROM switchyard.jobs j
            WHERE j.id = ANY('{\(ids.map(String.init).joined(separator: ","))}'::bigint[])
              AND EXISTS (SELECT 1 FROM switchyard.attempts a WHERE a.job_id = j.id AND a.failover)
            ORDER BY j.id
            """).compactMap { $0.int64("id") }
        #expect(!failedOver.isEmpty)
        #expect(failovers.compactMap { $0["job_id"]?.stringValue }.sorted() == failedOver.map(String.init).sorted())
        for line in failovers {
            #expect(line["level"]?.stringValue == "warning")
            #expect(line["worker_id"]?.stringValue == "worker-under-test")
            #expect(line["route"]?.stringValue == "chat")
            #expect(line["from_deployment"]?.stringValue == "gpt-4o")
            #expect(line["to_deployment"]?.stringValue == "gpt-4o-mini")
            #expect(line["outcome"]?.stringValue == "server_error")
            #expect(line["status"]?.intValue == 503)
        }
        let opened = lines.objects("circuit breaker opened")
        #expect(opened.count == 1, "\(lines.all)")
        #expect(opened.first?["deployment"]?.stringValue == "gpt-4o")
        #expect((opened.first?["consecutive_failures"]?.intValue ?? 0) >= 3)
        #expect(opened.first?["open_until"]?.stringValue != nil)

        // Recovery: after the reset timeout one probe half-opens the breaker and closes it.
        _ = fixture.mock.engine.setOutage(model: "gpt-4o", enabled: false)
        try await Task.sleep(for: .milliseconds(500))
        _ = try await fixture.enqueue(route: "chat", prompts: (0..<40).map { "confidential-prompt-after-\($0)" }, options: Self.noCache)
        try await Self.drain(fixture, logger: lines.logger)
        // One probe normally; more when a probe outlives its probe timeout on a loaded machine (another
        // job takes the probe over) or fails. Either way it ends closed, and says so once.
        let halfOpen = lines.objects("circuit breaker half-open: one probe call")
        #expect(!halfOpen.isEmpty && halfOpen.allSatisfy { $0["deployment"]?.stringValue == "gpt-4o" }, "\(lines.all)")
        #expect(lines.objects("circuit breaker closed").map { $0["deployment"]?.stringValue } == ["gpt-4o"], "\(lines.all)")
        let breakerLines = lines.all.compactMap { try? JSONValue.parse(Array($0.utf8)) }
            .compactMap { $0["msg"]?.stringValue }.filter { $0.hasPrefix("circuit breaker") }
        #expect(breakerLines.first == "circuit breaker opened" && breakerLines.last == "circuit breaker closed", "\(breakerLines)")

        for line in lines.all {
            #expect(!line.contains("confidential-prompt") && !line.contains("mock-key"), "\(line)")
            let object = try JSONValue.parse(Array(line.utf8))
            #expect(object["error"] == nil && object["message"] == nil, "no provider message: \(line)")
        }
    }

    @Test("429s: failover lines name rate_limited 429, and the cooldown they start is one line, not one per 429")
    func rateLimitCooldownIsOneLine() async throws {
        var mock = MockProviderConfiguration()
        mock.models["gpt-4o-mini"]?.requestsPerMinute = 2
        let fixture = try await GatewayFixture.make(
            mock: mock,
            extraDeployments: """
                , {"name": "limited", "provider": "openai", "model": "gpt-4o-mini",
                   "price": {"input_per_million": 0.15, "output_per_million": 0.60}}
                """,
            extraRoutes: #", {"name": "limited", "strategy": "priority", "targets": ["limited", "gpt-4o"]}"#)
        defer { Task { await fixture.shutdown() } }
        let lines = Lines()
        _ = try await fixture.enqueue(route: "limited", prompts: (0..<12).map { "limited \($0)" }, options: Self.noCache)
        try await Self.drain(fixture, logger: lines.logger, concurrency: 12)

        let limited = fixture.mock.engine.stats.count("gpt-4o-mini", "rate_limited")
        #expect(limited > 1, "the mock answered several 429s")
        let failovers = lines.objects("failover")
        #expect(failovers.count == limited)
        #expect(failovers.allSatisfy {
            $0["from_deployment"]?.stringValue == "limited" && $0["to_deployment"]?.stringValue == "gpt-4o"
                && $0["outcome"]?.stringValue == "rate_limited" && $0["status"]?.intValue == 429
        })
        let cooldowns = lines.objects("deployment cooling down after 429")
        #expect(cooldowns.count == 1, "\(lines.all)")
        #expect(cooldowns.first?["deployment"]?.stringValue == "limited")
        #expect((cooldowns.first?["cooldown_ms"]?.intValue ?? 0) > 0)
        #expect(cooldowns.first?["cooldown_until"]?.stringValue != nil)
    }
}
