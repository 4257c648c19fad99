import Synchronization

/// Gathers concurrent requests into batches, each run by one call of `run` (typically one
/// statement): while `maxBatchesInFlight` batches are running, new requests wait and go together in
/// the next one. A request that finds the batcher idle runs at once on its own task, so an idle
/// batcher adds no delay and no hop. No timer and no task per request: at most one task per batch.
///
/// ```swift
/// let lookups = RequestBatcher<String, Int?> { keys in try? await findAll(keys) ?? keys.map { _ in nil } }
/// let found = await lookups.submit("k1")
/// ```
public final class RequestBatcher<Input: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch: one output per input, in input order.
    public typealias Run = @Sendable ([Input]) async -> [Output]

    private struct Waiter {
        let input: Input
        let continuation: CheckedContinuation<Output, Never>
    }

    private struct State {
        var waiting: [Waiter] = []
        var flushers = 0
    }

    private let state = Mutex(State())
    private let maxBatchesInFlight: Int
    private let maxBatchSize: Int
    private let run: Run

    /// - Parameters:
    ///   - maxBatchesInFlight: batches running at once (each on its own task).
    ///   - maxBatchSize: inputs per batch at most; more wait for the next.
    public init(maxBatchesInFlight: Int = 2, maxBatchSize: Int = 10_000, run: @escaping Run) {
        precondition(maxBatchesInFlight > 0 && maxBatchSize > 0)
        self.maxBatchesInFlight = maxBatchesInFlight
        self.maxBatchSize = maxBatchSize
        self.run = run
    }

    /// Adds `input` to the next batch and returns its output once that batch has run. When no
    /// batch is running, the input runs at once as a batch of one on the caller's task (no hop to
    /// another task); whoever arrives meanwhile is then taken on by a new task.
    public func submit(_ input: Input) async -> Output {
        let alone = state.withLock { state -> Bool in
            // Only when idle: while a batch runs, a newcomer waits so that others can join it.
            guard state.flushers == 0 && state.waiting.isEmpty else { return false }
            state.flushers += 1
            return true
        }
        if alone {
            let output = await run([input])
            precondition(output.count == 1, "RequestBatcher: run must return one output per input")
            let more = state.withLock { state -> Bool in
                if state.waiting.isEmpty { state.flushers -= 1 }
                return !state.waiting.isEmpty
            }
            if more { Task { await self.flushLoop() } }
            return output[0]
        }
        return await withCheckedContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiter(input: input, continuation: continuation))
                if state.flushers >= maxBatchesInFlight { return false }
                state.flushers += 1
                return true
            }
            if start { Task { await self.flushLoop() } }
        }
    }

    private func flushLoop() async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                if state.waiting.count <= maxBatchSize {
                    defer { state.waiting = [] }
                    if state.waiting.isEmpty { state.flushers -= 1 }
                    return state.waiting
                }
                defer { state.waiting.removeFirst(maxBatchSize) }
                return Array(state.waiting.prefix(maxBatchSize))
            }
            if batch.isEmpty { return }
            let outputs = await run(batch.map(\.input))
            precondition(outputs.count == batch.count, "RequestBatcher: run must return one output per input")
            for (waiter, output) in zip(batch, outputs) { waiter.continuation.resume(returning: output) }
        }
    }
}
