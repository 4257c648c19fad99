import Queue
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs a set of processes and keeps them running: a crashed one starts again after an exponential
/// backoff; `stop()` forwards each process's stop signal, waits for all of them to exit, and kills
/// (SIGKILL to the process group) whatever is still there after the stop timeout.
///
/// `run()` returns once every process has ended: after `stop()`, or when each exited 0 by itself.
/// Children are reaped by polling `waitpid(pid, WNOHANG)`, so the supervisor never blocks a thread
/// and never reaps processes it did not start.
public final class ProcessSupervisor: Sendable {
    /// What happened to a process; reported from `run()`'s task, in order.
    public enum Event: Sendable {
        case started(name: String, pid: pid_t, restarts: Int)
        /// `restartInMs` is nil when it will not be started again.
        case exited(name: String, pid: pid_t, termination: Subprocess.Termination, restartInMs: Int?)
        case startFailed(name: String, message: String, restartInMs: Int?)
        /// Still running when the stop timeout ran out.
        case killed(name: String, pid: pid_t)
    }

    /// How `run()` ended.
    public struct Outcome: Sendable, Equatable {
        /// Processes that had to be killed after the stop timeout.
        public var killed: [String]
        /// How each process ended last, by name (absent: never started).
        public var terminations: [String: Subprocess.Termination]
    }

    private struct Member {
        var spec: SupervisedProcess
        var process: Subprocess?
        var startedAt: ContinuousClock.Instant?
        var restartAt: ContinuousClock.Instant?
        var failures = 0
        var restarts = 0
        /// A start is under way (spawned outside the lock).
        var starting = false
        var done = false
        var killed = false
        var last: Subprocess.Termination?
    }

    private struct State {
        var members: [Member]
        var stopRequests = 0
        var signalledStopRequests = 0
        var stopDeadline: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    private let restart: RestartPolicy
    private let stopTimeoutMs: Int
    private let pollMs: Int
    private let onEvent: @Sendable (Event) -> Void

    /// - Parameters:
    ///   - processes: names must be unique.
    ///   - stopTimeoutMs: after `stop()`, how long processes may take to exit before SIGKILL.
    ///   - onEvent: called for every start, exit and kill (from the task running `run()`).
    public init(
        processes: [SupervisedProcess], restart: RestartPolicy = RestartPolicy(), stopTimeoutMs: Int = 30_000,
        pollMs: Int = 50, onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        precondition(Set(processes.map(\.name)).count == processes.count, "supervised process names must be unique")
        state = Mutex(State(members: processes.map { Member(spec: $0) }))
        self.restart = restart
        self.stopTimeoutMs = stopTimeoutMs
        self.pollMs = pollMs
        self.onEvent = onEvent
    }

    /// Starts every process and supervises them until all have ended.
    public func run() async -> Outcome {
        while true {
            let (events, starts, finished) = tick(now: .now)
            for event in events { onEvent(event) }
            if let finished { return finished }
            for (index, options) in starts {
                let started: Result<Subprocess, any Error>
                do {
                    started = .success(try await Subprocess.start(options))
                } catch {
                    started = .failure(error)
                }
                if let event = record(started, of: index, now: .now) { onEvent(event) }
            }
            if starts.isEmpty { try? await Task.sleep(for: .milliseconds(pollMs)) }
        }
    }

    /// Asks every process to stop (its stop signal) and stops restarting them. Calling it again sends
    /// the stop signal again. Safe from any thread, also before `run()`.
    public func stop() {
        state.withLock { state in
            state.stopRequests += 1
            if state.stopDeadline == nil { state.stopDeadline = .now + .milliseconds(stopTimeoutMs) }
        }
    }

    /// The pid of the running process named `name`.
    public func pid(of name: String) -> pid_t? {
        state.withLock { state in state.members.first { $0.spec.name == name }?.process?.pid }
    }

    /// True once the process named `name` has ended at least once (crashed, or exited).
    public func hasEnded(_ name: String) -> Bool {
        state.withLock { state in state.members.first { $0.spec.name == name }?.last != nil }
    }

    /// The pids of every running process, by name.
    public var pids: [String: pid_t] {
        state.withLock { state in
            var pids: [String: pid_t] = [:]
            for member in state.members { if let process = member.process { pids[member.spec.name] = process.pid } }
            return pids
        }
    }

    /// Uses `arguments` from the next restart of `name` on (e.g. a port learned from its first start).
    public func replaceArguments(of name: String, with arguments: [String]) {
        state.withLock { state in
            guard let index = state.members.firstIndex(where: { $0.spec.name == name }) else { return }
            state.members[index].spec.options.arguments = arguments
        }
    }

    // MARK: One round of supervision

    /// Reaps, forwards stop requests, kills after the deadline and picks the processes to start.
    /// - Returns: the events of this round, the starts to make (member index and options), and the
    ///   outcome once every process has ended.
    private func tick(now: ContinuousClock.Instant) -> ([Event], [(Int, Subprocess.Options)], Outcome?) {
        state.withLock { state in
            var events: [Event] = []
            var starts: [(Int, Subprocess.Options)] = []
            let stopping = state.stopRequests > 0
            let forwardStop = state.stopRequests > state.signalledStopRequests
            state.signalledStopRequests = state.stopRequests
            let deadlinePassed = state.stopDeadline.map { now >= $0 } ?? false
            for index in state.members.indices {
                let startNow = tick(&state.members[index], now: now, stopping: stopping, forwardStop: forwardStop,
                                    deadlinePassed: deadlinePassed, events: &events)
                if startNow {
                    state.members[index].starting = true
                    starts.append((index, state.members[index].spec.options))
                }
            }
            guard state.members.allSatisfy(\.done) else { return (events, starts, nil) }
            let outcome = Outcome(
                killed: state.members.filter(\.killed).map(\.spec.name),
                terminations: Dictionary(uniqueKeysWithValues: state.members.compactMap { member in
                    member.last.map { (member.spec.name, $0) }
                }))
            return (events, starts, outcome)
        }
    }

    /// One member's round. - Returns: true when it should be started now.
    private func tick(
        _ member: inout Member, now: ContinuousClock.Instant, stopping: Bool, forwardStop: Bool, deadlinePassed: Bool,
        events: inout [Event]
    ) -> Bool {
        if member.done || member.starting { return false }
        if let process = member.process {
            if let termination = process.poll() {
                member.process = nil
                member.last = termination
                let ranMs = member.startedAt.map { Self.milliseconds(now - $0) } ?? 0
                if stopping || termination.isSuccess || !member.spec.restartOnFailure {
                    member.done = true
                    events.append(.exited(name: member.spec.name, pid: process.pid, termination: termination, restartInMs: nil))
                } else {
                    if ranMs >= restart.resetAfterMs { member.failures = 0 }
                    member.failures += 1
                    let delay = backoffMs(failures: member.failures)
                    member.restartAt = now + .milliseconds(delay)
                    events.append(.exited(name: member.spec.name, pid: process.pid, termination: termination, restartInMs: delay))
                }
                return false
            }
            if forwardStop { process.send(member.spec.stopSignal) }
            if stopping && deadlinePassed && !member.killed {
                process.send(SIGKILL, group: true)
                member.killed = true
                events.append(.killed(name: member.spec.name, pid: process.pid))
            }
            return false
        }
        if stopping {
            member.done = true  // waiting for a restart, or never started
            return false
        }
        if let restartAt = member.restartAt, now < restartAt { return false }
        return true
    }

    /// Records the result of a start made outside the lock.
    private func record(_ started: Result<Subprocess, any Error>, of index: Int, now: ContinuousClock.Instant) -> Event? {
        state.withLock { state in
            var member = state.members[index]
            defer { state.members[index] = member }
            let isRestart = member.restartAt != nil
            member.starting = false
            member.restartAt = nil
            switch started {
            case .success(let process):
                if isRestart { member.restarts += 1 }
                member.process = process
                member.startedAt = now
                // A stop that came while it was being started: pass it on now.
                if state.stopRequests > 0 { process.send(member.spec.stopSignal) }
                return .started(name: member.spec.name, pid: process.pid, restarts: member.restarts)
            case .failure(let error):
                member.failures += 1
                if state.stopRequests > 0 {
                    member.done = true
                    return .startFailed(name: member.spec.name, message: "\(error)", restartInMs: nil)
                }
                let delay = backoffMs(failures: member.failures)
                member.restartAt = now + .milliseconds(delay)
                return .startFailed(name: member.spec.name, message: "\(error)", restartInMs: delay)
            }
        }
    }

    private func backoffMs(failures: Int) -> Int {
        let backoff = RetryBackoff(
            baseMs: Int64(restart.initialBackoffMs), capMs: Int64(restart.maxBackoffMs), jitter: 0.2)
        return Int(backoff.delayMs(afterFailures: failures))
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
