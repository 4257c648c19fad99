/// Connections, each owned by a thread of its own, and a FIFO of work for them. Threads and
/// connections are created on demand up to `maxConnections` and live until `shutdown()`.
///
/// `@unchecked Sendable`: all mutable state is guarded by `lock`; a `PostgresConnection` never leaves
/// the thread that created it.
final class ConnectionPool: @unchecked Sendable {
    struct Job: Sendable {
        /// Runs on a pool thread with a connection that was alive a moment ago.
        let run: @Sendable (PostgresConnection) -> Void
        /// Called instead of `run` when no connection could be had or the pool shut down.
        let fail: @Sendable (PostgresError) -> Void
        let submittedAtMs: Int
    }

    let configuration: PostgresConfiguration
    let maxConnections: Int
    private let lock = ConditionLock()
    // Guarded by `lock`:
    private var queue = PendingJobs()
    private var idleThreads = 0
    private var threads: [OwnedThread] = []
    private var threadsStarted = 0
    private var isShutDown = false
    /// The last connection attempt that failed: jobs queued before it began fail with its error
    /// at once instead of each waiting out another attempt.
    private var lastConnectFailure: (startedAtMs: Int, error: PostgresError)?

    init(configuration: PostgresConfiguration, maxConnections: Int) {
        self.configuration = configuration
        self.maxConnections = max(1, maxConnections)
    }

    func submit(_ job: Job) {
        lock.lock()
        if isShutDown {
            lock.unlock()
            job.fail(Self.shutDownError)
            return
        }
        queue.append(job)
        if queue.count > idleThreads && threadsStarted < maxConnections {
            threadsStarted += 1
            let number = threadsStarted
            threads.append(OwnedThread.start(name: "sy-pg-\(number)") { [self] in workerLoop() })
        }
        if idleThreads > 0 { lock.signal() }
        lock.unlock()
    }

    /// Fails queued work, lets running work finish, closes connections and (when `join`) waits for
    /// the threads. Safe to call more than once and from a pool thread (that one is not joined).
    func shutdown(join: Bool) {
        lock.lock()
        isShutDown = true
        let pending = queue.removeAll()
        let threads = self.threads
        self.threads = []
        lock.broadcast()
        lock.unlock()
        for job in pending { job.fail(Self.shutDownError) }
        for thread in threads {
            if join && !thread.isCurrent { thread.join() } else { thread.detach() }
        }
    }

    static let shutDownError = PostgresError(code: .connectionClosed, message: "the PostgreSQL client was shut down")

    private func workerLoop() {
        var connection: PostgresConnection?
        while let job = nextJob() {
            if connection == nil || !connection!.checkAlive() {
                connection?.close()
                connection = nil
                if let failure = recentFailure(for: job) {
                    job.fail(failure)
                    continue
                }
                let startedAt = monotonicMs()
                do {
                    connection = try PostgresConnection.connect(configuration)
                    lock.withLock { lastConnectFailure = nil }
                } catch {
                    let failure = error as? PostgresError
                        ?? PostgresError(code: .connectionFailed, message: "\(error)")
                    lock.withLock { lastConnectFailure = (startedAt, failure) }
                    job.fail(failure)
                    continue
                }
            }
            guard let current = connection else { continue }
            job.run(current)
            current.resetAfterUse()
            if !current.isHealthy {
                current.close()
                connection = nil
            }
        }
        connection?.close()
    }

    private func nextJob() -> Job? {
        lock.lock()
        defer { lock.unlock() }
        while queue.isEmpty && !isShutDown {
            idleThreads += 1
            lock.wait()
            idleThreads -= 1
        }
        return queue.popFirst()
    }

    private func recentFailure(for job: Job) -> PostgresError? {
        lock.withLock {
            guard let failure = lastConnectFailure, job.submittedAtMs <= failure.startedAtMs else { return nil }
            return failure.error
        }
    }
}

/// The pool's FIFO of jobs; does not shift elements on every pop.
struct PendingJobs {
    private var items: [ConnectionPool.Job?] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head >= items.count }

    mutating func append(_ job: ConnectionPool.Job) {
        items.append(job)
    }

    mutating func popFirst() -> ConnectionPool.Job? {
        guard head < items.count else { return nil }
        let job = items[head]
        items[head] = nil
        head += 1
        if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return job
    }

    mutating func removeAll() -> [ConnectionPool.Job] {
        let jobs = items[head...].compactMap { $0 }
        items = []
        head = 0
        return jobs
    }
}
