import Dispatch
import Foundation
import Postgres
import Queue
import Synchronization

/// A worker: `concurrency` long-lived slot tasks fed by a producer that claims jobs in batches,
/// a completer that writes outcomes in batches, a heartbeater, a rescuer and a NOTIFY listener.
/// `run()` returns after `stop()` (or, in drain mode, once the queue is empty) with every held job
/// either written or released back to `queued`.
public final class WorkerRuntime: Sendable {
    public let configuration: WorkerConfiguration
    private let queue: JobQueue
    private let executor: any JobExecutor
    private let listenerConfiguration: PostgresConfiguration?
    private let workerState: WorkerState
    private let completer: JobCompleter
    private let producerWake = WakeSignal()
    private let heartbeatWake = WakeSignal()
    private let rescueWake = WakeSignal()
    private let stopRequested = WakeSignal()
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var stopping = false
        var graceMs: Int?
        var stopped = false
    }

    /// - Parameters:
    ///   - client: the pool the queue statements run on (size it for claim + completion writers + heartbeats).
    ///   - listenerConfiguration: where to LISTEN for wake-ups; `nil` polls only.
    public init(client: PostgresClient, executor: any JobExecutor, configuration: WorkerConfiguration,
                listenerConfiguration: PostgresConfiguration?) throws {
        try configuration.validate()
        self.configuration = configuration
        self.queue = JobQueue(client: client)
        self.executor = executor
        self.listenerConfiguration = listenerConfiguration
        let workerState = WorkerState(activeLimit: configuration.activeLimit)
        self.workerState = workerState
        let producerWake = self.producerWake
        let threshold = configuration.claimThreshold
        // Written completions free held places (see `WorkerState`'s cap on held jobs). In drain
        // mode the last one also wakes the producer, so it sees at once that nothing is left (it
        // waited for the poll interval when the queue emptied while completions were still being
        // written). Otherwise an idle worker waits for a NOTIFY or the poll: waking it after every
        // last completion cost a claim that scanned the claim index and found nothing, once per
        // request at a low request rate (`bench api --rate 200`: 942 empty claims in 5 s).
        let drain = configuration.drain
        self.completer = JobCompleter(queue: queue, workerState: workerState, configuration: configuration) { _ in
            if workerState.shouldWakeProducer(threshold: threshold) || (drain && workerState.heldCount == 0) {
                producerWake.signal()
            }
        }
    }

    /// Asks the runtime to stop: claim nothing more, let executing jobs finish for up to `graceMs`
    /// (default: the configuration's), release the rest. Safe from any thread, any number of times;
    /// a second call can shorten the grace period.
    public func stop(graceMs: Int? = nil) {
        lifecycle.withLock { state in
            state.stopping = true
            if let graceMs { state.graceMs = min(state.graceMs ?? graceMs, graceMs) }
        }
        stopRequested.signal()
    }

    private var isStopping: Bool { lifecycle.withLock { $0.stopping } }
    private var isStopped: Bool { lifecycle.withLock { $0.stopped } }

    /// Runs until stopped (or drained). Call once.
    public func run() async {
        // Not the finished channel: every completion batch of every worker notifies it, and
        // workers do not wait for jobs to finish.
        let notifier = listenerConfiguration.map {
            QueueNotifier(configuration: $0, channels: [JobQueue.jobsChannel, JobQueue.cancelChannel])
        }
        let producerWake = self.producerWake
        let heartbeatWake = self.heartbeatWake
        let workerState = self.workerState
        let listening = Task {
            await notifier?.run { event in
                switch event {
                case .jobsAvailable(let ids?):
                    workerState.noteNotified(ids)
                    producerWake.signal()
                case .jobsAvailable(nil), .reconnected:
                    workerState.noteBacklog(true)
                    producerWake.signal()
                case .cancelRequested: heartbeatWake.signal()
                case .jobsFinished: break  // not listened to (see above)
                }
            }
        }
        if let notifier { await notifier.waitUntilListening() }

        for _ in 0..<configuration.concurrency { startSlot() }
        let writers = (0..<configuration.completionWriters).map { index in
            Task { [completer] in await completer.runWriter(index) }
        }
        let stopped: @Sendable () -> Bool = { [weak self] in self?.isStopped ?? true }
        let heartbeater = Task { [self] in
            await JobHeartbeater(queue: queue, workerState: workerState, configuration: configuration,
                                 wake: heartbeatWake, isStopped: stopped).run()
        }
        let rescuer = Task { [self] in
            await LeaseRescuer(queue: queue, configuration: configuration, wake: rescueWake, isStopped: stopped,
                               onRescued: {
                                   workerState.noteBacklog(true)
                                   producerWake.signal()
                               }).run()
        }
        let producer = Task { [self] in
            await JobProducer(queue: queue, workerState: workerState, configuration: configuration,
                              wake: producerWake, onDrained: { [weak self] in self?.stop(graceMs: 0) }).run()
        }

        // Wait for a stop request, then shut down in order.
        while !isStopping { await stopRequested.wait(timeoutMs: nil) }
        release(workerState.stop().map { (id: $0.id, attempt: $0.attempt) })
        producerWake.signal()
        await producer.value
        release(workerState.stop().map { (id: $0.id, attempt: $0.attempt) })

        let graceMs = lifecycle.withLock { $0.graceMs } ?? configuration.shutdownGraceMs
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(graceMs) * 1_000_000
        while workerState.executingCount > 0 && DispatchTime.now().uptimeNanoseconds < deadline {
            try? await Task.sleep(for: .milliseconds(5))
            if let shorter = lifecycle.withLock({ $0.graceMs }), shorter < graceMs { break }
        }
        let abandoned = workerState.abandonExecuting()
        if !abandoned.isEmpty {
            configuration.log("releasing \(abandoned.count) jobs still running after the shutdown grace period")
        }
        release(abandoned)

        completer.stop()
        for writer in writers { await writer.value }
        lifecycle.withLock { $0.stopped = true }
        heartbeatWake.signal()
        rescueWake.signal()
        await heartbeater.value
        await rescuer.value
        notifier?.stop()
        listening.cancel()
    }

    private func release(_ jobs: [(id: Int64, attempt: Int32)]) {
        completer.add(jobs.map { JobCompletion(id: $0.id, attempt: $0.attempt, kind: .released) })
    }

    private func startSlot() {
        let threshold = configuration.claimThreshold
        Task { [self] in
            while let job = await workerState.nextJob() {
                let (completion, records) = await execute(job)
                // An abandoned job's outcome is dropped: its claim already ended elsewhere.
                if workerState.finishedExecuting(job.id) { completer.add(completion, records: records) }
                // The slot is free now, while the completion is still to be written.
                if workerState.shouldWakeProducer(threshold: threshold) { producerWake.signal() }
            }
        }
    }

    private func execute(_ job: ClaimedJob) async -> (JobCompletion, JobRecords?) {
        if let deadlineMs = job.deadlineMs, Self.nowMs() > deadlineMs {
            return (.failed(job, error: .deadlineExceeded), nil)
        }
        let outcome = await executor.execute(job, context: JobContext(jobID: job.id, flags: workerState.flags))
        if case .recorded(let inner, let records) = outcome {
            return (completion(job, inner), records)
        }
        return (completion(job, outcome), nil)
    }

    private func completion(_ job: ClaimedJob, _ outcome: JobOutcome) -> JobCompletion {
        switch outcome {
        case .recorded(let inner, _):
            return completion(job, inner)
        case .succeeded(let result):
            return .succeeded(job, result: result)
        case .failed(let error, retryable: false):
            return .failed(job, error: error)
        case .failed(let error, retryable: true):
            let delay = configuration.backoff.delayMs(afterFailures: job.failuresIncludingThis)
            return .retry(job, error: error, delayMs: delay)
        case .snoozed(let until, let reason):
            let delay = max(0, Int64(until.timeIntervalSince1970 * 1_000) - Self.nowMs())
            return .snooze(job, delayMs: delay, reason: reason)
        }
    }

    static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
