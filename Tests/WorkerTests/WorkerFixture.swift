import Foundation
import Postgres
import Queue
import Synchronization
import TestSupport
import Worker

/// A database for one test plus helpers to run worker runtimes against it with short timeouts.
struct WorkerFixture {
    let url: String
    let client: PostgresClient
    let queue: JobQueue

    static func make(_ name: String = #function) async throws -> WorkerFixture {
        let url = try await TestDatabase.create(name)
        let client = TestDatabase.client(url, maxConnections: 4)
        let fixture = WorkerFixture(url: url, client: client, queue: JobQueue(client: client))
        try await fixture.recordTerminalWrites()
        return fixture
    }

    static func configuration(queue: String = "default", concurrency: Int = 50) -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        configuration.queue = queue
        configuration.concurrency = concurrency
        configuration.leaseMs = 10_000  // generous: a loaded test machine can starve heartbeats; lease expiry is tested with explicit claims
        configuration.heartbeatIntervalMs = 200
        configuration.pollIntervalMs = 50
        configuration.rescueIntervalMs = 100
        configuration.completionFlushMs = 1
        configuration.shutdownGraceMs = 2_000
        configuration.backoff = RetryBackoff(baseMs: 1, capMs: 5, jitter: 0)
        configuration.log = { _ in }
        return configuration
    }

    func runtime(_ executor: any JobExecutor, _ configuration: WorkerConfiguration) throws -> (WorkerRuntime, PostgresClient) {
        let client = TestDatabase.client(url, maxConnections: 5)
        let runtime = try WorkerRuntime(client: client, executor: executor, configuration: configuration,
                                        listenerConfiguration: PostgresConfiguration(url: url))
        return (runtime, client)
    }

    /// Runs one runtime in drain mode until the queue is empty.
    func drain(_ executor: any JobExecutor, _ configuration: WorkerConfiguration) async throws {
        var configuration = configuration
        configuration.drain = true
        let (runtime, client) = try runtime(executor, configuration)
        await runtime.run()
        client.shutdown()
    }

    func enqueue(_ count: Int, queue: String = "default", prompt: String = "hello") async throws -> [Int64] {
        var job = NewJob(route: "echo-model", request: "{\"model\":\"echo-model\",\"messages\":[{\"role\":\"user\",\"content\":\"\(prompt)\"}]}")
        job.queue = queue
        return try await self.queue.enqueue([NewJob](repeating: job, count: count)).map(\.id)
    }

    private func recordTerminalWrites() async throws {
        try await TerminalWriteLedger.install(client)
    }

    /// (jobs with exactly one terminal write, jobs with more, overwrites of terminal jobs)
    func terminalWriteCounts() async throws -> (once: Int, more: Int, overwrites: Int) {
        try await TerminalWriteLedger.counts(client)
    }

    func states(queue: String = "default") async throws -> [JobState: Int] {
        try await self.queue.countByState(queue: queue)
    }

    func shutdown() { client.shutdown() }
}

/// Counts executions per job and fails a job a given number of times first.
final class RecordingExecutor: JobExecutor {
    private let executions = Mutex([Int64: Int]())
    let behaviour: @Sendable (ClaimedJob, Int) async -> JobOutcome

    /// - Parameter behaviour: gets the job and how many times it ran before (0 the first time).
    init(_ behaviour: @escaping @Sendable (ClaimedJob, Int) async -> JobOutcome = { job, _ in
        .succeeded(result: ChatCompletionText.make(id: "chatcmpl-\(job.id)", model: job.route, content: "ok", created: 0))
    }) {
        self.behaviour = behaviour
    }

    func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        let before = executions.withLock { counts -> Int in
            let before = counts[job.id, default: 0]
            counts[job.id] = before + 1
            return before
        }
        return await behaviour(job, before)
    }

    var counts: [Int64: Int] { executions.withLock { $0 } }
}
