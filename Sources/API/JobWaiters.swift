import Dispatch
import HTTP
import Postgres
import Queue
import Synchronization

/// Long-poll support for one serve process: ONE LISTEN connection on the queue's "finished" channel,
/// fanned out to every request waiting for a job.
///
/// Waiters register a continuation under their job id. A completion's NOTIFY names the jobs it
/// finished, and their waiters are resumed straight from it, without a query. The ids heard lately
/// are remembered (`recentCapacity` of them), so a waiter that registers just after its job's
/// notification arrived — after the caller's last read, or right after an enqueue — returns at
/// once. A notification without ids (heartbeat cancels, rescues), a listener reconnect (nothing is
/// replayed) and a poll every `pollMs` make a checker task re-read the states of all waited-for
/// jobs in one query. Each continuation is resumed exactly once: whoever removes it from the map
/// under the lock — a notification, the checker, the timeout, a disconnect or `stop()` — resumes it.
public final class JobWaiters: Sendable {
    /// How many recently finished job ids are remembered for waiters that register late.
    static let recentCapacity = 32_768

    private struct State {
        var waiters: [Int64: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextToken: UInt64 = 0
        var stopped = false
        /// Recently finished ids: a set for lookups, a ring for eviction order.
        var recent: Set<Int64> = []
        var recentRing: [Int64] = []
        var recentHead = 0

        mutating func remember(_ id: Int64) {
            guard recent.insert(id).inserted else { return }
            // (An id used up by `wait` stays in the ring; evicting it later is harmless.)
            if recentRing.count < JobWaiters.recentCapacity {
                recentRing.append(id)
            } else {
                recent.remove(recentRing[recentHead])
                recentRing[recentHead] = id
                recentHead = (recentHead + 1) % recentRing.count
            }
        }
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
            await notifier.run { [self] event in
                switch event {
                case .jobsFinished(let ids?): finished(ids)
                case .jobsFinished(nil), .reconnected: wake.signal()
                case .jobsAvailable, .cancelRequested: break
                }
            }
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

    /// Returns when job `id` may have reached a terminal state, after `timeoutMs`, on `stop()`, or
    /// when `disconnect` fires (the client went away); the caller reads the job again to know which.
    /// Call it only after a read of the job (or its enqueue) that saw it unfinished.
    public func wait(for id: Int64, timeoutMs: Int, disconnect: HTTPDisconnectSignal? = nil) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let token = state.withLock { state -> UInt64? in
                // A remembered id is used up, so a caller that reads the job, finds it unfinished
                // after all and waits again, waits for a notification instead of spinning.
                if state.stopped || state.recent.remove(id) != nil { return nil }
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
            disconnect?.onDisconnect { [self] in resume(id: id, token: token) }
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

    /// A notification named these jobs as finished.
    private func finished(_ ids: [Int64]) {
        let continuations = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var resumed: [CheckedContinuation<Void, Never>] = []
            for id in ids {
                state.remember(id)
                if let waiting = state.waiters.removeValue(forKey: id) { resumed.append(contentsOf: waiting.values) }
            }
            return resumed
        }
        for continuation in continuations { continuation.resume() }
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
