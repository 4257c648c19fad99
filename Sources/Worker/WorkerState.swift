import Queue
import Synchronization

/// The jobs a runtime holds, shared by its producer, slots, completer and heartbeater.
/// A job is held from its claim until its completion is written (or its claim is found lost), so its
/// lease is renewed all that time. It counts against `activeLimit` (the slots plus a few prefetched
/// jobs waiting for one) only while it waits for a slot or executes: a finished job gives its slot
/// back while its completion is still being written, so the next job waits neither for that write
/// nor for a claim. Held jobs are capped at twice `activeLimit`, so a slow database cannot make the
/// worker claim without bound.
final class WorkerState: Sendable {
    private struct State {
        /// id → attempt of every held job.
        var held: [Int64: Int32] = [:]
        /// Claimed jobs no slot has taken yet.
        var ready: [ClaimedJob] = []
        var readyHead = 0
        /// Slots waiting for a job.
        var idleSlots: [CheckedContinuation<ClaimedJob?, Never>] = []
        /// Jobs being executed right now.
        var executing: Set<Int64> = []
        /// Held jobs whose outcome must not be written (released at shutdown, lost, or cancelled by a
        /// heartbeat). Removed when the slot finishes with them.
        var abandoned: Set<Int64> = []
        var stopping = false
        /// Whether more runnable jobs are probably waiting (the last claim was full, or a NOTIFY or
        /// rescue said so since): only then do freed slots wake the producer.
        var backlogLikely = true
        /// The producer waits because no slot was free: the next freed slot wakes it.
        var producerWaitsForSlot = false
        /// Jobs that NOTIFYs named while no backlog was likely, for the producer to claim by id.
        var notified: [Int64] = []

        /// Slots in use: jobs executing, and claimed jobs no slot has taken yet.
        var activeCount: Int { executing.count + ready.count - readyHead }
    }

    private let state = Mutex(State())
    let flags = CancellationFlags()
    /// Jobs that may wait for a slot or execute at once.
    let activeLimit: Int

    init(activeLimit: Int) {
        self.activeLimit = activeLimit
    }

    var isStopping: Bool { state.withLock { $0.stopping } }
    var heldCount: Int { state.withLock { $0.held.count } }
    var activeCount: Int { state.withLock { $0.activeCount } }
    var freeSlots: Int { state.withLock { Self.freeSlots($0, activeLimit: activeLimit) } }
    var executingCount: Int { state.withLock { $0.executing.count } }

    private static func freeSlots(_ state: State, activeLimit: Int) -> Int {
        min(activeLimit - state.activeCount, 2 * activeLimit - state.held.count)
    }

    /// Records whether runnable jobs are probably waiting (see `backlogLikely`). A backlog is
    /// claimed in order by the claim index, so named jobs are forgotten then.
    func noteBacklog(_ likely: Bool) {
        state.withLock { state in
            state.backlogLikely = likely
            if likely { state.notified = [] }
        }
    }

    /// Jobs a NOTIFY named. Kept for a claim by id only while no backlog is likely (then nothing
    /// older can be waiting for them to overtake); past `2 * activeLimit` of them, or with a
    /// backlog, they count as a backlog.
    func noteNotified(_ ids: [Int64]) {
        state.withLock { state in
            if state.backlogLikely { return }
            state.notified += ids
            if state.notified.count > 2 * activeLimit {
                state.notified = []
                state.backlogLikely = true
            }
        }
    }

    /// The named jobs to claim by id (and forgets them); empty while a backlog is likely.
    func takeNotified() -> [Int64] {
        state.withLock { state in
            defer { state.notified = [] }
            return state.backlogLikely ? [] : state.notified
        }
    }

    /// Called by the producer when it finds no slot free, before it waits: returns false when one
    /// has been freed meanwhile (claim at once), else the next freed slot will wake it
    /// (`shouldWakeProducer`).
    func producerWillWaitForSlot() -> Bool {
        state.withLock { state in
            if Self.freeSlots(state, activeLimit: activeLimit) > 0 { return false }
            state.producerWaitsForSlot = true
            return true
        }
    }

    /// Whether a slot or held place that was just freed should wake the producer: jobs are probably
    /// waiting, and either the producer waits for the first free slot or `threshold` slots are free.
    func shouldWakeProducer(threshold: Int) -> Bool {
        state.withLock { state in
            guard state.backlogLikely else { return false }
            let free = Self.freeSlots(state, activeLimit: activeLimit)
            if state.producerWaitsForSlot && free > 0 {
                state.producerWaitsForSlot = false
                return true
            }
            return free >= threshold
        }
    }

    /// Every held (id, attempt), for a heartbeat.
    func heldJobs() -> [(id: Int64, attempt: Int32)] {
        state.withLock { state in state.held.map { (id: $0.key, attempt: $0.value) } }
    }

    /// Registers freshly claimed jobs and hands them to idle slots (or queues them for the next one).
    func add(_ jobs: [ClaimedJob]) {
        // A fresh claim starts uncancelled, even if a late heartbeat flagged the previous claim of
        // the same job (e.g. one this worker snoozed and claimed again) after it was released.
        for job in jobs { flags.remove(job.id) }
        var handoffs: [(CheckedContinuation<ClaimedJob?, Never>, ClaimedJob)] = []
        state.withLock { state in
            for job in jobs {
                state.held[job.id] = job.attempt
                if let slot = state.idleSlots.popLast() {
                    state.executing.insert(job.id)
                    handoffs.append((slot, job))
                } else {
                    state.ready.append(job)
                }
            }
        }
        for (slot, job) in handoffs { slot.resume(returning: job) }
    }

    /// The next job for a slot: at once when one is ready, else when one is claimed; `nil` once the
    /// runtime stops.
    func nextJob() async -> ClaimedJob? {
        await withCheckedContinuation { (continuation: CheckedContinuation<ClaimedJob?, Never>) in
            enum Next { case job(ClaimedJob), stop, wait }
            let next = state.withLock { state -> Next in
                if state.stopping { return .stop }
                while state.readyHead < state.ready.count {
                    let job = state.ready[state.readyHead]
                    state.readyHead += 1
                    if state.readyHead == state.ready.count {
                        state.ready.removeAll(keepingCapacity: true)
                        state.readyHead = 0
                    }
                    // Skip a job abandoned before any slot took it.
                    guard state.held[job.id] == job.attempt else { continue }
                    state.executing.insert(job.id)
                    return .job(job)
                }
                state.idleSlots.append(continuation)
                return .wait
            }
            switch next {
            case .job(let job): continuation.resume(returning: job)
            case .stop: continuation.resume(returning: nil)
            case .wait: break
            }
        }
    }

    /// Called by a slot when `id` finished executing. Returns false when its outcome must be dropped.
    func finishedExecuting(_ id: Int64) -> Bool {
        state.withLock { state in
            state.executing.remove(id)
            return state.abandoned.remove(id) == nil
        }
    }

    /// Called after completions were written (or skipped): frees their slots.
    ///
    /// Only the claim that was completed is released: a snoozed job can be due again before its
    /// snooze's write returns, and this worker may already hold the new claim of the same job
    /// (a higher attempt), which must keep its slot, its heartbeats and its cancellation flag.
    func release(_ claims: [(id: Int64, attempt: Int32)]) {
        let released = state.withLock { state -> [Int64] in
            var released: [Int64] = []
            for claim in claims where state.held[claim.id] == claim.attempt {
                state.held.removeValue(forKey: claim.id)
                released.append(claim.id)
            }
            return released
        }
        for id in released { flags.remove(id) }
    }

    /// Stops executing jobs whose claim ended elsewhere (cancelled at a heartbeat, or lost): their
    /// executors see `isCancelled`, their outcomes are dropped and their slots are freed.
    /// Only the named claims are abandoned: a heartbeat that reported an older claim of a job
    /// lost must not touch this worker's newer claim of the same job.
    /// - Returns: how many of them were executing (their slots stay busy until the executor returns).
    @discardableResult
    func abandon(_ claims: [(id: Int64, attempt: Int32)]) -> Int {
        let (abandoned, executing) = state.withLock { state -> ([Int64], Int) in
            var abandoned: [Int64] = []
            var executing = 0
            for claim in claims where state.held[claim.id] == claim.attempt {
                state.held.removeValue(forKey: claim.id)
                abandoned.append(claim.id)
                if state.executing.contains(claim.id) {
                    state.abandoned.insert(claim.id)
                    executing += 1
                }
            }
            return (abandoned, executing)
        }
        for id in abandoned { flags.insert(id) }
        return executing
    }

    /// Begins shutdown: idle slots end, and ready jobs no slot took are returned (to be released).
    func stop() -> [ClaimedJob] {
        let (slots, ready) = state.withLock { state -> ([CheckedContinuation<ClaimedJob?, Never>], [ClaimedJob]) in
            state.stopping = true
            let slots = state.idleSlots
            state.idleSlots = []
            let ready = Array(state.ready[state.readyHead...])
            state.ready = []
            state.readyHead = 0
            return (slots, ready)
        }
        for slot in slots { slot.resume(returning: nil) }
        return ready
    }

    /// At the end of the grace period: jobs still executing are given up (flagged cancelled, their
    /// outcomes dropped). Returns them as (id, attempt) so they can be released.
    func abandonExecuting() -> [(id: Int64, attempt: Int32)] {
        let jobs = state.withLock { state -> [(id: Int64, attempt: Int32)] in
            var jobs: [(id: Int64, attempt: Int32)] = []
            for id in state.executing {
                if let attempt = state.held[id] { jobs.append((id, attempt)) }
                state.abandoned.insert(id)
            }
            return jobs
        }
        for job in jobs { flags.insert(job.id) }
        return jobs
    }
}
