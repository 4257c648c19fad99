import Dispatch
import Postgres
import Synchronization

/// What `/metrics` reads from PostgreSQL, refreshed at most every `cacheMs` (concurrent scrapes
/// share one refresh):
///
/// - queued and running jobs per queue (the claim and running partial indexes serve these);
/// - succeeded, failed and cancelled jobs, which need a count over the whole jobs table, at most
///   every `terminalCountMs`;
/// - breaker state and cooldown per deployment (`deployment_state`, one row per deployment);
/// - the ledger totals of ``LedgerTally`` (only new rows are read after the first refresh).
///
/// Everything here describes the whole database, so every serve process reports the same values.
final class MetricsCollector: Sendable {
    struct QueueCounts: Sendable, Hashable {
        var ready = 0
        var scheduled = 0
        var running = 0
    }

    struct Deployment: Sendable, Hashable {
        var name: String
        var provider: String
        var model: String
        var breakerState: String
        var coolingDown: Bool
    }

    struct Snapshot: Sendable {
        var queues: [String: QueueCounts] = [:]
        var terminalJobs: [String: Int] = [:]
        var deployments: [Deployment] = []
        var ledger = LedgerTally()
    }

    private struct State: Sendable {
        var snapshot = Snapshot()
        var refreshedAt: UInt64?
        var terminalCountedAt: UInt64?
        var refreshing: Task<Snapshot, any Error>?
    }

    let client: PostgresClient
    let cacheMs: Int
    let terminalCountMs: Int
    private let state = Mutex(State())

    init(client: PostgresClient, cacheMs: Int, terminalCountMs: Int) {
        self.client = client
        self.cacheMs = cacheMs
        self.terminalCountMs = terminalCountMs
    }

    /// The snapshot, refreshed first when older than `cacheMs`.
    /// - Throws: a database error (the previous snapshot is kept for the next try).
    func current() async throws -> Snapshot {
        let now = Self.nowMs()
        let task = state.withLock { state -> Task<Snapshot, any Error>? in
            if let at = state.refreshedAt, now &- at < UInt64(cacheMs) { return nil }
            if let running = state.refreshing { return running }
            let previous = state.snapshot
            let countTerminal = state.terminalCountedAt.map { now &- $0 >= UInt64(terminalCountMs) } ?? true
            let task = Task { [client] in try await Self.refresh(previous, countTerminal: countTerminal, client: client) }
            state.refreshing = task
            if countTerminal { state.terminalCountedAt = now }
            return task
        }
        guard let task else { return state.withLock { $0.snapshot } }
        do {
            let snapshot = try await task.value
            state.withLock { state in
                if state.refreshing == task {
                    state.snapshot = snapshot
                    state.refreshedAt = Self.nowMs()
                    state.refreshing = nil
                }
            }
            return snapshot
        } catch {
            state.withLock { state in
                if state.refreshing == task {
                    state.refreshing = nil
                    state.terminalCountedAt = nil
                }
            }
            throw error
        }
    }

    private static func refresh(_ previous: Snapshot, countTerminal: Bool, client: PostgresClient) async throws -> Snapshot {
        let now = nowMs()
        return try await client.withConnection { connection in
            var snapshot = previous
            var queues: [String: QueueCounts] = [:]
            for row in try connection.query(
                """
                SELECT queue, state, count(*) FILTER (WHERE state = 'running' OR run_at <= now()) AS due, count(*) AS jobs
                FROM switchyard.jobs WHERE state IN ('queued', 'running') GROUP BY queue, state
                """) {
                let queue = row.string("queue") ?? ""
                var counts = queues[queue] ?? QueueCounts()
                let jobs = row.int("jobs") ?? 0, due = row.int("due") ?? 0
                if row.string("state") == "running" {
                    counts.running = jobs
                } else {
                    counts.ready = due
                    counts.scheduled = jobs - due
                }
                queues[queue] = counts
            }
            snapshot.queues = queues
            if countTerminal {
                var terminal = ["succeeded": 0, "failed": 0, "cancelled": 0]
                for row in try connection.query(
                    """
                    SELECT state, count(*) AS jobs FROM switchyard.jobs
                    WHERE state IN ('succeeded', 'failed', 'cancelled') GROUP BY state
                    """) {
                    terminal[row.string("state") ?? ""] = row.int("jobs") ?? 0
                }
                snapshot.terminalJobs = terminal
            }
            snapshot.deployments = try connection.query(
                """
                SELECT deployment, coalesce(provider, '') AS provider, coalesce(model, '') AS model, breaker_state,
                       coalesce(cooldown_until > now(), false) AS cooling
                FROM switchyard.deployment_state ORDER BY deployment
                """).map { row in
                Deployment(name: row.string("deployment") ?? "", provider: row.string("provider") ?? "",
                           model: row.string("model") ?? "", breakerState: row.string("breaker_state") ?? "closed",
                           coolingDown: row.bool("cooling") ?? false)
            }
            try snapshot.ledger.refresh(on: connection, nowMs: now)
            return snapshot
        }
    }

    static func nowMs() -> UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000 }
}
