import Postgres
import Queue
import Synchronization

/// Buffers completions and writes them in batches: at once when no batch is being written, else
/// when `completionBatchSize` are waiting or `completionFlushMs` after the first one, one statement
/// per batch. A failed write is retried (the writes are fenced by attempt, so retrying one that did
/// commit changes nothing); jobs keep their slots and heartbeats until their batch is written.
final class JobCompleter: Sendable {
    private struct State {
        var buffer: [JobCompletion] = []
        /// Rows to write with a buffered completion, by job id.
        var records: [Int64: JobRecords] = [:]
        var stopping = false
        var writing = 0
    }

    private let queue: JobQueue
    private let workerState: WorkerState
    private let configuration: WorkerConfiguration
    private let state = Mutex(State())
    private let signals: [WakeSignal]
    /// Called after each written batch (slots were freed).
    private let onWritten: @Sendable (JobQueue.CompletionResult) -> Void

    init(queue: JobQueue, workerState: WorkerState, configuration: WorkerConfiguration,
         onWritten: @escaping @Sendable (JobQueue.CompletionResult) -> Void) {
        self.queue = queue
        self.workerState = workerState
        self.configuration = configuration
        self.onWritten = onWritten
        self.signals = (0..<configuration.completionWriters).map { _ in WakeSignal() }
    }

    /// Adds one completion; wakes a writer when the buffer went from empty to non-empty or filled a batch.
    /// The routing trace and cache key in `records` travel with the completion's own UPDATE.
    func add(_ completion: JobCompletion, records: JobRecords? = nil) {
        var completion = completion
        if let records {
            completion.routingTrace = records.routingTrace
            completion.cacheKey = records.cacheKey
        }
        let count = state.withLock { state in
            state.buffer.append(completion)
            if let records { state.records[completion.id] = records }
            return state.buffer.count
        }
        if count == 1 || count % configuration.completionBatchSize == 0 { wakeWriters() }
    }

    func add(_ completions: [JobCompletion]) {
        if completions.isEmpty { return }
        state.withLock { $0.buffer.append(contentsOf: completions) }
        wakeWriters()
    }

    private func wakeWriters() {
        for signal in signals { signal.signal() }
    }

    var pendingCount: Int { state.withLock { $0.buffer.count + $0.writing } }

    /// One writer loop; the runtime runs `completionWriters` of them. Returns after `stop()` once the
    /// buffer is empty.
    func runWriter(_ index: Int) async {
        let signal = signals[index]
        while true {
            let (isEmpty, stopping) = state.withLock { ($0.buffer.isEmpty, $0.stopping) }
            if isEmpty {
                if stopping { return }
                await signal.wait(timeoutMs: 1_000)
                continue
            }
            // Gather a batch for `completionFlushMs` only while another batch is being written: an
            // idle completer writes at once (a waiting client sees no added delay), a busy one
            // groups the completions that pile up meanwhile into one statement and commit.
            let gather = state.withLock { $0.buffer.count < configuration.completionBatchSize && $0.writing > 0 }
            if !stopping && configuration.completionFlushMs > 0 && gather {
                try? await Task.sleep(for: .milliseconds(configuration.completionFlushMs))
            }
            let (batch, records) = state.withLock { state -> ([JobCompletion], [Int64: JobRecords]) in
                let take = min(state.buffer.count, configuration.completionBatchSize)
                let batch = Array(state.buffer.prefix(take))
                state.buffer.removeFirst(take)
                state.writing += batch.count
                var records: [Int64: JobRecords] = [:]
                if !state.records.isEmpty {
                    for completion in batch {
                        if let entry = state.records.removeValue(forKey: completion.id) { records[completion.id] = entry }
                    }
                }
                return (batch, records)
            }
            if batch.isEmpty { continue }
            await write(batch, records: records)
            state.withLock { $0.writing -= batch.count }
        }
    }

    private func write(_ batch: [JobCompletion], records: [Int64: JobRecords]) async {
        let workerID = configuration.workerID
        let extra: (@Sendable (PostgresConnection, JobQueue.CompletionResult) throws -> Void)? = records.isEmpty ? nil : { @Sendable connection, result in
            try LedgerWriter.write(records, batch: batch, result: result, workerID: workerID, on: connection)
        }
        var delayMs = 50
        var failures = 0
        while true {
            do {
                let result = try await queue.complete(batch, workerID: workerID, extra: extra)
                workerState.release(batch.map { (id: $0.id, attempt: $0.attempt) })
                onWritten(result)
                return
            } catch {
                failures += 1
                if failures > 20 && state.withLock({ $0.stopping }) {
                    // Shutting down with the database unreachable: the leases will expire and the
                    // rescuer of another worker puts these jobs back.
                    configuration.log("giving up on \(batch.count) completions at shutdown: \(error)")
                    workerState.release(batch.map { (id: $0.id, attempt: $0.attempt) })
                    return
                }
                configuration.log("writing \(batch.count) completions failed, retrying in \(delayMs) ms: \(error)")
                try? await Task.sleep(for: .milliseconds(delayMs))
                delayMs = min(delayMs * 2, 1_000)
            }
        }
    }

    /// Asks the writers to finish what is buffered and return.
    func stop() {
        state.withLock { $0.stopping = true }
        wakeWriters()
    }
}
