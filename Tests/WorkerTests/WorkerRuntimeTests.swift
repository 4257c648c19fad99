import Foundation
import Postgres
import Queue
import Synchronization
import Testing
import Worker

@Suite struct WorkerRuntimeTests {
    @Test func echoExecutorAnswersWithTheLastUserMessage() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        let ids = try await fixture.enqueue(5, prompt: "repeat after me")
        try await fixture.drain(EchoExecutor(), WorkerFixture.configuration())
        for id in ids {
            let job = try #require(try await fixture.queue.job(id: id))
            #expect(job.state == .succeeded)
            let result = try #require(job.result)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
            #expect(object["object"] as? String == "chat.completion")
            #expect(object["model"] as? String == "echo-model")
            #expect(object["id"] is String)
            let choices = try #require(object["choices"] as? [[String: Any]])
            let message = try #require(choices.first?["message"] as? [String: Any])
            #expect(message["content"] as? String == "repeat after me")
        }
    }

    @Test func fourRuntimesRunTenThousandJobsExactlyOnceEach() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        _ = try await fixture.enqueue(10_000)
        let executor = RecordingExecutor()
        var configuration = WorkerFixture.configuration(concurrency: 200)
        configuration.maxClaimBatch = 100
        configuration.completionBatchSize = 200
        let runtimes = try (0..<4).map { index -> (WorkerRuntime, PostgresClient) in
            var own = configuration
            own.workerID = "runtime-\(index)"
            own.drain = true
            return try fixture.runtime(executor, own)
        }
        await withTaskGroup(of: Void.self) { group in
            for (runtime, _) in runtimes { group.addTask { await runtime.run() } }
        }
        for (_, client) in runtimes { client.shutdown() }
        #expect(try await fixture.states() == [.succeeded: 10_000])
        let counts = executor.counts
        #expect(counts.count == 10_000)
        #expect(counts.values.allSatisfy { $0 == 1 })
        let writes = try await fixture.terminalWriteCounts()
        #expect(writes.once == 10_000 && writes.more == 0 && writes.overwrites == 0)
        let spread = try await fixture.client.query(
            "SELECT count(DISTINCT worker_id) FROM switchyard.jobs")
        #expect(Int(spread.first?[0] ?? "0") ?? 0 >= 2)
    }

    @Test func neverExecutesMoreJobsAtOnceThanItHasSlots() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        _ = try await fixture.enqueue(600)
        let executor = ConcurrencyMeter(delayMs: 3)
        var configuration = WorkerFixture.configuration(concurrency: 40)
        configuration.maxClaimBatch = 40
        try await fixture.drain(executor, configuration)
        #expect(try await fixture.states() == [.succeeded: 600])
        // Prefetched jobs (an eighth of the slots here) wait for a slot; they never run beside the 40.
        #expect(executor.peak <= 40)
        #expect(executor.peak >= 20)
    }

    @Test func retryableFailuresAreRetriedAndExhaustedJobsFail() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        var flaky = NewJob(route: "m", request: "{\"model\":\"m\",\"messages\":[]}")
        flaky.customID = "flaky"
        flaky.maxAttempts = 3
        var hopeless = flaky
        hopeless.customID = "hopeless"
        var fatal = flaky
        fatal.customID = "fatal"
        let ids = try await fixture.queue.enqueue([flaky, hopeless, fatal]).map(\.id)
        let executor = RecordingExecutor { job, before in
            if job.id == ids[0] && before < 2 || job.id == ids[1] {
                return .failed(JobError(code: "server_error", message: "try \(before + 1)"), retryable: true)
            }
            if job.id == ids[2] { return .failed(JobError(code: "client_error", message: "no"), retryable: false) }
            return .succeeded(result: "{\"object\":\"chat.completion\"}")
        }
        try await fixture.drain(executor, WorkerFixture.configuration())
        let first = try #require(try await fixture.queue.job(id: ids[0]))
        #expect(first.state == .succeeded && first.attempt == 3)
        let second = try #require(try await fixture.queue.job(id: ids[1]))
        #expect(second.state == .failed && second.attempt == 3)
        #expect(second.error.flatMap(JobError.init(json:))?.message == "try 3")
        let third = try #require(try await fixture.queue.job(id: ids[2]))
        #expect(third.state == .failed && third.attempt == 1)
        #expect(executor.counts == [ids[0]: 3, ids[1]: 3, ids[2]: 1])
    }

    @Test func snoozedJobsRunAgainWithoutUsingAttempts() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        var job = NewJob(route: "m", request: "{}")
        job.maxAttempts = 1
        let id = try await fixture.queue.enqueue(job).id
        let executor = RecordingExecutor { _, before in
            before < 3 ? .snoozed(until: Date().addingTimeInterval(0.02), reason: JobError(code: "rate_limited", message: "429"))
                : .succeeded(result: "{}")
        }
        try await fixture.drain(executor, WorkerFixture.configuration())
        let row = try #require(try await fixture.queue.job(id: id))
        #expect(row.state == .succeeded && row.snoozes == 3 && row.attempt == 4, "state \(row.state) snoozes \(row.snoozes) attempt \(row.attempt) error \(String(describing: row.error))")
    }

    @Test func drainWaitsForJobsScheduledLater() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        var job = NewJob(route: "m", request: "{}")
        job.runAt = Date().addingTimeInterval(0.4)
        let id = try await fixture.queue.enqueue(job).id
        try await fixture.drain(RecordingExecutor(), WorkerFixture.configuration())
        #expect(try await fixture.queue.job(id: id)?.state == .succeeded)
    }

    @Test func anIdleWorkerRunsJobsEnqueuedOneByOneAndScheduledOnesWhenDue() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        let executor = RecordingExecutor()
        var configuration = WorkerFixture.configuration()
        configuration.pollIntervalMs = 200
        let (runtime, client) = try fixture.runtime(executor, configuration)
        let running = Task { await runtime.run() }
        try await Task.sleep(for: .milliseconds(300))  // idle: the first claims found nothing
        var ids: [Int64] = []
        for index in 0..<20 {
            if index == 5 {
                // Named by its NOTIFY but not due yet: the claim by id leaves it, a later scan takes it.
                var job = NewJob(route: "m", request: "{}")
                job.runAt = Date().addingTimeInterval(0.5)
                ids.append(try await fixture.queue.enqueue(job).id)
            }
            ids += try await fixture.enqueue(1)
            try await Task.sleep(for: .milliseconds(5))
        }
        try await waitUntil { try await fixture.states() == [.succeeded: 21] }
        runtime.stop()
        await running.value
        client.shutdown()
        #expect(Set(executor.counts.keys) == Set(ids))
        #expect(executor.counts.values.allSatisfy { $0 == 1 })
    }

    @Test func aRunningJobCancelledByItsClientStops() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        let id = try await fixture.enqueue(1)[0]
        let waiting = CancellableExecutor()
        let (runtime, client) = try fixture.runtime(waiting, WorkerFixture.configuration())
        let running = Task { await runtime.run() }
        try await waitUntil { try await fixture.queue.job(id: id)?.state == .running }
        #expect(try await fixture.queue.cancel(id: id) == .running)
        try await waitUntil { try await fixture.queue.job(id: id)?.state == .cancelled }
        try await waitUntil { waiting.sawCancel }
        runtime.stop()
        await running.value
        client.shutdown()
        let writes = try await fixture.terminalWriteCounts()
        #expect(writes.once == 1 && writes.overwrites == 0)
    }

    @Test func shutdownReleasesJobsThatDoNotFinishInTime() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        let ids = try await fixture.enqueue(3)
        let (runtime, client) = try fixture.runtime(
            CancellableExecutor(), WorkerFixture.configuration())
        let running = Task { await runtime.run() }
        try await waitUntil { try await fixture.states()[.running] == 3 }
        let start = Date()
        runtime.stop(graceMs: 100)
        await running.value
        client.shutdown()
        // The executors never finish, so waiting for them would never end; the bound is loose because
        // a full parallel run on two cores once took 12 s to write the releases and stop.
        #expect(Date().timeIntervalSince(start) < 30, "a 100 ms grace must not wait for executors that never finish")
        #expect(try await fixture.states() == [.queued: 3])
        for id in ids {
            let row = try #require(try await fixture.queue.job(id: id))
            #expect(row.snoozes == 1 && row.attempt == 1)
        }
    }

    @Test func anExpiredLeaseOfADeadWorkerIsRescuedAndRun() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        let id = try await fixture.enqueue(1)[0]
        // A worker claims the job and dies without a word.
        _ = try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 200, workerID: "dead")
        try await fixture.drain(RecordingExecutor(), WorkerFixture.configuration())
        let row = try #require(try await fixture.queue.job(id: id))
        #expect(row.state == .succeeded && row.attempt == 2)
    }
}

/// Runs until its job is cancelled (or the worker gives up on it), then reports a failure.
final class CancellableExecutor: JobExecutor {
    private let cancelled = Mutex(false)

    var sawCancel: Bool { cancelled.withLock { $0 } }

    func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        while !context.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        cancelled.withLock { $0 = true }
        return .failed(.cancelled, retryable: false)
    }
}

/// Polls `condition` every 20 ms for up to `timeoutMs`.
func waitUntil(timeoutMs: Int = 10_000, _ condition: () async throws -> Bool) async throws {
    let start = Date()
    while try await !condition() {
        if Date().timeIntervalSince(start) * 1_000 > Double(timeoutMs) {
            throw WaitTimeout()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

struct WaitTimeout: Error {}

/// Succeeds after `delayMs`, recording the most jobs it was executing at once.
final class ConcurrencyMeter: JobExecutor {
    private struct Counts {
        var current = 0
        var peak = 0
    }

    private let counts = Mutex(Counts())
    let delayMs: Int

    init(delayMs: Int) {
        self.delayMs = delayMs
    }

    var peak: Int { counts.withLock { $0.peak } }

    func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        counts.withLock { counts in
            counts.current += 1
            counts.peak = max(counts.peak, counts.current)
        }
        try? await Task.sleep(for: .milliseconds(delayMs))
        counts.withLock { $0.current -= 1 }
        return .succeeded(result: "{\"object\":\"chat.completion\"}")
    }
}
