import Foundation
import Postgres

extension JobQueue {
    /// The whole row of job `id`, or `nil`.
    public func job(id: Int64) async throws -> JobRecord? {
        let rows = try await client.query(
            """
            SELECT id, queue, state, priority, run_at, attempt, max_attempts, snoozes, deadline, cancel_requested,
                   client_id, batch_id, custom_id, idempotency_key, route, request, options, result, error,
                   routing_trace, worker_id, created_at, attempted_at, finished_at
            FROM switchyard.jobs WHERE id = $1
            """, [id])
        guard let row = rows.first else { return nil }
        guard let state = row.string("state").flatMap(JobState.init), let runAt = row.date("run_at"),
              let createdAt = row.date("created_at") else {
            throw QueueError(.unexpectedResult, "job \(id) has an unreadable row")
        }
        return JobRecord(
            id: id, queue: row.string("queue") ?? "", state: state, priority: row.int("priority") ?? 0,
            runAt: runAt, attempt: row.int("attempt") ?? 0, maxAttempts: row.int("max_attempts") ?? 0,
            snoozes: row.int("snoozes") ?? 0, deadline: row.date("deadline"),
            cancelRequested: row.bool("cancel_requested") ?? false, clientID: row.int64("client_id"),
            batchID: row.int64("batch_id"), customID: row.string("custom_id"),
            idempotencyKey: row.string("idempotency_key"), route: row.string("route") ?? "",
            request: row.string("request") ?? "{}", options: row.string("options") ?? "{}",
            result: row.string("result"), error: row.string("error"), routingTrace: row.string("routing_trace"),
            workerID: row.string("worker_id"), createdAt: createdAt, attemptedAt: row.date("attempted_at"),
            finishedAt: row.date("finished_at"))
    }

    /// The states of the given jobs; unknown ids are absent.
    public func states(ids: [Int64]) async throws -> [Int64: JobState] {
        if ids.isEmpty { return [:] }
        let rows = try await client.query(
            "SELECT id, state FROM switchyard.jobs WHERE id = ANY($1::bigint[])", [SQLArray.integers(ids)])
        var states: [Int64: JobState] = [:]
        for row in rows {
            if let id = row[0].flatMap({ Int64($0) }), let state = row[1].flatMap(JobState.init) { states[id] = state }
        }
        return states
    }

    /// Whether `queue` has a job that is queued (even for later) or running.
    public func hasUnfinishedJobs(queue: String) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT EXISTS (SELECT 1 FROM switchyard.jobs WHERE state = 'queued' AND queue = $1)
                OR EXISTS (SELECT 1 FROM switchyard.jobs WHERE state = 'running' AND queue = $1)
            """, [queue])
        return rows.first?[0] == "t"
    }

    /// How many jobs are in each state (for tests, `stats` and benchmarks).
    public func countByState(queue: String? = nil) async throws -> [JobState: Int] {
        let rows = try await client.query(
            "SELECT state, count(*) FROM switchyard.jobs WHERE $1::text IS NULL OR queue = $1 GROUP BY state",
            [queue])
        var counts: [JobState: Int] = [:]
        for row in rows {
            if let state = row[0].flatMap(JobState.init), let count = row[1].flatMap({ Int($0) }) { counts[state] = count }
        }
        return counts
    }
}
