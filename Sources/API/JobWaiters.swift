import Dispatch
import Postgres
import Queue
import Synchronization

/// Long-poll support for one serve process: ONE LISTEN connection on the queue's "finished" channel,
/// fanned out to every request waiting for a job.
///
/// Waiters register a continuation under their job id. A single checker task re-reads the states
/// of all waited-for jobs in one query whenever a notification arrives (the queue's completer
/// NOTIFYs once per batch, without ids), when a waiter registers (so a completion between the
/// caller's last read and its registration is not missed), and at least every `pollMs` (nothing
/// is replayed after a listener reconnect). Each continuation is resumed exactly once: whoever
/// removes it from the map under the lock — the checker, the timeout or `stop()` — resumes it.
public final class JobWaiters: Sendable {
    private struct State {
        var waiters: [Int64: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextToken: UInt64 = 0
        var stopped = false
    }

    private let queue: JobQueue
    private let notifier: QueueNotifier
    private let wake = WakeSignal()
    private let state = Mutex(State())
    private let pollMs: Int
    private let tasks = Mutex<[Task<Void, Never>]>([])

    public init(queue: JobQueue, listenerConfiguration: PostgresConfiguration, pollMs: Int = 1_000) {
        self.queue = queue
        self.pollMs = pollMs
        notifier = QueueNotifier(configuration: listenerConfiguration, channels: [JobQueue.finishedChannel])
    }

    /// Starts the listener and the checker; returns once LISTEN is in place.
    public func start() async {
        let listening = Task { [notifier, wake] in
            await notifier.run { _ in wake.signal() }
        }
        let checking = Task { await self.checkLoop() }
        tasks.withLock { $0 = [listening, checking] }
        await notifier.waitUntilListening()
    }

    /// Wakes every waiter and stops listening.
    public func stop() {
        let all = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            let all = state.waiters.values.flatMap(\.values)
            state.waiters = [:]
            return all
        }
        for continuation in all { continuation.resume() }
        notifier.stop()
        wake.signal()
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    /// True after `stop()`: `wait` returns at once, so callers stop waiting and answer.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// How many requests are waiting now.
    public var count: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    /// Returns when job `id` may have reached a terminal state, after `timeoutMs`, or on `stop()`;
    /// the caller reads the job again to know which.
    public func wait(for id: Int64, timeoutMs: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let token = state.withLock { state -> UInt64? in
                if state.stopped { return nil }
                state.nextToken &+= 1
                state.waiters[id, default: [:]][state.nextToken] = continuation
                return state.nextToken
            }
            guard let token else {
                continuation.resume()
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(max(0, timeoutMs))) { [self] in
                resume(id: id, token: token)
            }
            wake.signal()
        }
    }

    private func resume(id: Int64, token: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            let removed = state.waiters[id]?.removeValue(forKey: token)
            if state.waiters[id]?.isEmpty == true { state.waiters[id] = nil }
            return removed
        }
        continuation?.resume()
    }

    private func resumeAll(of ids: [Int64]) {
        let continuations = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            ids.flatMap { state.waiters.removeValue(forKey: $0)?.values.map { $0 } ?? [] }
        }
        for continuation in continuations { continuation.resume() }
    }

    private func checkLoop() async {
        while !Task.isCancelled {
            await wake.wait(timeoutMs: pollMs)
            let (ids, stopped) = state.withLock { (Array($0.waiters.keys), $0.stopped) }
            if stopped { return }
            if ids.isEmpty { continue }
            do {
                let states = try await queue.states(ids: ids)
                // A job that no longer exists will never finish: let its waiters read that too.
                resumeAll(of: ids.filter { states[$0].map(\.isTerminal) ?? true })
            } catch {
                // The database is unreachable: waiters time out or are woken by a later check.
            }
        }
    }
}
