import Postgres

extension JobQueue {
    // The claims are functions (migration 0011) whose plans read `jobs` through an index however
    // small the table was when the plan was made.
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
    // (The scalar subquery is evaluated once, with the first row, after the function ran.)
    static let claimSQL = """
        SELECT c.*, (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
        FROM switchyard.claim_jobs($1, $2, $3, $4) AS c
        """

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
    // The jobs named, if still queued and runnable in `queue`, in claim order, found by primary key
    // (see migration 0011). Commits asynchronously like `claimSQL`.
    static let claimIDsSQL = """
        SELECT c.*, (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
        FROM switchyard.claim_jobs_by_id($1, $2, $3, $4, $5::bigint[]) AS c
        """

    /// Claims those of `ids` that are still queued and runnable in `queue` (at most `limit`), like
    /// ``claim(queue:limit:leaseMs:workerID:)`` but by primary key: what a worker with no backlog
    /// does with the ids a NOTIFY named, so picking up a new job does not scan the claim index.
    public func claim(ids: [Int64], queue: String, limit: Int, leaseMs: Int, workerID: String) async throws -> [ClaimedJob] {
        if limit <= 0 || ids.isEmpty { return [] }
        let rows = try await client.query(Self.claimIDsSQL, [queue, limit, leaseMs, workerID, SQLArray.integers(ids)])
        return try rows.map(Self.claimedJob)
    }
}
