import Postgres

extension JobQueue {
    // `id = ANY (ARRAY (...))` keeps the plan an index scan on the primary key even when the
    // driver's prepared statement switches to a generic plan (a join there became a seq scan).
    //
    // The claim commits without waiting for its WAL flush (`synchronous_commit = off` for this
    // transaction only): a claim lost in a server crash leaves the job `queued`, which is what the
    // rescuer would make of it anyway, and every write that matters is synchronous and flushes the
    // claim's WAL with its own — the enqueue before it, the completion, heartbeat cancel, rescue
    // and cancel after it. A terminal write still needs the row `running` under the claim, so a job
    // keeps exactly one. A lost claim's attempt number is drawn again by the next claim, so the
    // worker's writes match the worker id too (`complete`/`heartbeat` with `workerID`): the worker
    // that lost it cannot write over the new claim. What a crash can cost is a second execution
    // (as when a worker dies), never a job. This takes an fsync off every pickup and drain claim.
    static let claimSQL = claimSQL(selecting: "state = 'queued'")

    /// The claim statement over the queued jobs `condition` selects (with `$1` the queue, `$2` the
    /// limit, `$3` the lease, `$4` the worker id).
    static func claimSQL(selecting condition: String) -> String {
        """
        UPDATE switchyard.jobs j
        SET state = 'running', attempt = j.attempt + 1, worker_id = $4, attempted_at = now(),
            lease_expires_at = now() + $3 * interval '1 millisecond'
        WHERE j.id = ANY (ARRAY (
            SELECT id FROM switchyard.jobs
            WHERE \(condition) AND queue = $1 AND run_at <= now()
            ORDER BY priority DESC, run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED))
          AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
        RETURNING j.id, j.attempt, j.max_attempts, j.snoozes, j.route, j.request, j.options,
                  (extract(epoch FROM j.deadline) * 1000)::bigint
        """
    }

    /// Claims up to `limit` runnable jobs of `queue` (highest priority first, then oldest `run_at`)
    /// with `FOR UPDATE SKIP LOCKED`: each becomes `running` with `attempt + 1` and a lease.
    /// - Parameters:
    ///   - leaseMs: how long the lease lasts without a heartbeat.
    ///   - workerID: recorded in `jobs.worker_id`.
    public func claim(queue: String, limit: Int, leaseMs: Int, workerID: String) async throws -> [ClaimedJob] {
        if limit <= 0 { return [] }
        let rows = try await client.query(Self.claimSQL, [queue, limit, leaseMs, workerID])
        return try rows.map(Self.claimedJob)
    }

    static func claimedJob(_ row: PostgresRow) throws -> ClaimedJob {
        guard let id = row[0].flatMap({ Int64($0) }), let attempt = row[1].flatMap({ Int32($0) }),
              let maxAttempts = row[2].flatMap({ Int32($0) }), let snoozes = row[3].flatMap({ Int32($0) }),
              let route = row[4], let request = row[5] else {
            throw QueueError(.unexpectedResult, "claim returned an incomplete row")
        }
        return ClaimedJob(id: id, attempt: attempt, maxAttempts: maxAttempts, snoozes: snoozes, route: route,
                          request: request, options: row[6] ?? "{}", deadlineMs: row[7].flatMap { Int64($0) })
    }
}

extension JobQueue {
    // The jobs named, if still queued and runnable in `queue`, in claim order. Found by primary key:
    // `state = (SELECT 'queued')` keeps the planner off the claim index (see completeSQL), whose
    // dead entries are what this claim exists to skip. Commits asynchronously like `claimSQL`.
    static let claimIDsSQL = claimSQL(selecting: "id = ANY ($5::bigint[]) AND state = (SELECT 'queued'::text)")

    /// Claims those of `ids` that are still queued and runnable in `queue` (at most `limit`), like
    /// ``claim(queue:limit:leaseMs:workerID:)`` but by primary key: what a worker with no backlog
    /// does with the ids a NOTIFY named, so picking up a new job does not scan the claim index.
    public func claim(ids: [Int64], queue: String, limit: Int, leaseMs: Int, workerID: String) async throws -> [ClaimedJob] {
        if limit <= 0 || ids.isEmpty { return [] }
        let rows = try await client.query(Self.claimIDsSQL, [queue, limit, leaseMs, workerID, SQLArray.integers(ids)])
        return try rows.map(Self.claimedJob)
    }
}
