import Dispatch
import Foundation
import Postgres
import Queue
import Synchronization
import Worker

enum BenchQueueCommand: Command {
    static let spec = CommandSpec(
        name: "bench queue", summary: "Benchmark the queue: bulk enqueue, drain rate of no-op jobs, pickup latency",
        options: [
            .databaseURL,
            .value("--jobs", "N", "No-op jobs to preload and drain (default 20000)"),
            .value("--concurrency", "N", "Worker slots (default 4000)"),
            .value("--max-claim", "N", "Most jobs per claim (default 1000)"),
            .value("--pickup-samples", "N", "Single enqueues timed on an idle queue (default 200)"),
        ],
        discussion: """
            Uses queue 'bench' (its old jobs are deleted first) and the real worker runtime with a no-op
            executor. Prints one line: bench=queue jobs=N seconds=S jobs_per_s=R pickup_p50_ms=X \
            pickup_p99_ms=Y enqueue_jobs_per_s=E
            """)

    static let queueName = "bench"

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let count = try arguments.int("--jobs", default: 20_000, range: 1...10_000_000)
        let samples = try arguments.int("--pickup-samples", default: 200, range: 1...100_000)
        var configuration = WorkerConfiguration()
        configuration.queue = queueName
        configuration.concurrency = try arguments.int("--concurrency", default: 4_000, range: 1...100_000)
        configuration.maxClaimBatch = try arguments.int("--max-claim", default: 1_000, range: 1...100_000)
        configuration.completionBatchSize = configuration.maxClaimBatch
        let database = DatabaseOptions.configuration(arguments)
        let client = PostgresClient(configuration: database, maxConnections: configuration.completionWriters + 3)
        defer { client.shutdown() }
        let queue = JobQueue(client: client)

        if let directory = Migrator.defaultDirectory() { _ = try await Migrator(client: client).migrate(directory: directory) }
        try await client.query("DELETE FROM switchyard.jobs WHERE queue = $1", [queueName])
        try await client.execute(unsafeSQL: "VACUUM ANALYZE switchyard.jobs")

        // 1. Bulk enqueue.
        let request = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}"
        var template = NewJob(route: "bench-model", request: request)
        template.queue = queueName
        let jobs = [NewJob](repeating: template, count: count)
        let enqueueStart = monotonicSeconds()
        _ = try await queue.enqueue(jobs)
        let enqueueSeconds = monotonicSeconds() - enqueueStart

        // 2. Drain with the real runtime.
        configuration.drain = true
        let drainer = try WorkerRuntime(client: client, executor: NoopExecutor(), configuration: configuration,
                                        listenerConfiguration: database)
        let drainStart = monotonicSeconds()
        await drainer.run()
        let drainSeconds = monotonicSeconds() - drainStart
        let succeeded = try await queue.countByState(queue: queueName)[.succeeded] ?? 0
        guard succeeded == count else {
            throw CommandFailure("drained \(succeeded) of \(count) jobs")
        }

        // 3. Pickup latency on an idle queue.
        configuration.drain = false
        configuration.concurrency = 100
        let recorder = StartRecorder()
        let picker = try WorkerRuntime(client: client, executor: recorder, configuration: configuration,
                                       listenerConfiguration: database)
        let running = Task { await picker.run() }
        try await Task.sleep(for: .milliseconds(300))
        var enqueuedAt: [Int64: UInt64] = [:]
        for _ in 0..<samples {
            let start = DispatchTime.now().uptimeNanoseconds
            let job = try await queue.enqueue(template)
            enqueuedAt[job.id] = start
            try await Task.sleep(for: .milliseconds(5))
        }
        let waitStart = monotonicSeconds()
        while recorder.count < samples && monotonicSeconds() - waitStart < 10 {
            try await Task.sleep(for: .milliseconds(10))
        }
        picker.stop()
        await running.value
        let started = recorder.snapshot()
        let latencies = enqueuedAt.compactMap { id, at in started[id].map { Double($0 &- at) / 1_000_000 } }.sorted()
        guard latencies.count == samples else {
            throw CommandFailure("only \(latencies.count) of \(samples) pickup samples started")
        }

        print(String(
            format: "bench=queue jobs=%d seconds=%.2f jobs_per_s=%.0f pickup_p50_ms=%.2f pickup_p99_ms=%.2f enqueue_jobs_per_s=%.0f",
            count, drainSeconds, Double(count) / drainSeconds, percentile(latencies, 0.50), percentile(latencies, 0.99),
            Double(count) / enqueueSeconds))
        return 0
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

/// A no-op executor that notes when each job started (monotonic nanoseconds).
private final class StartRecorder: JobExecutor {
    private let starts = Mutex([Int64: UInt64]())
    private let noop = NoopExecutor()

    var count: Int { starts.withLock { $0.count } }
    func snapshot() -> [Int64: UInt64] { starts.withLock { $0 } }

    func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        let now = DispatchTime.now().uptimeNanoseconds
        starts.withLock { $0[job.id] = now }
        return await noop.execute(job, context: context)
    }
}
