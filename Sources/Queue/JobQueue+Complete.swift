import Postgres

extension JobQueue {
    /// What a batch completion wrote.
    public struct CompletionResult: Sendable {
        /// Jobs written, with the state each one ended in.
        public var written: [(id: Int64, state: JobState)] = []
        /// Jobs skipped because they were no longer running under that claim.
        public var skipped: [Int64] = []
    }

    /// Makes the rest of the transaction look jobs up by primary key, whatever the statistics say.
    ///
    /// A batch joins its arrays to `jobs`. With statistics from when the table was nearly empty (a
    /// fresh or just-truncated queue that then filled up before autovacuum analysed it) the planner
    /// took `jobs` for a few rows and scanned it: a hash join over the whole table, or a nested loop
    /// that rescans the batch per row (measured: 23 s instead of 16 ms for a 1,000-job completion
    /// over 50,000 jobs). Estimates cannot be trusted here — a table vacuumed while empty counts
    /// as empty until it is analysed again, however full it is — so the batch statements leave the
    /// planner one plan: `jobs` read through its primary key by `id = ANY (batch ids)` (no
    /// sequential or bitmap scan), hashed against the batch (no nested loop, no merge join),
    /// whatever the estimates. Both inputs come in id order (a bitmap scan would read `jobs` in
    /// physical order), so rows are locked in id order.
    /// With one plan left, planning it anew each time is waste: `plan_cache_mode` keeps the
    /// generic plan, which PostgreSQL otherwise replaced by a custom plan on every completion of a
    /// short batch (a custom plan for a few ids looks cheaper than the generic plan's estimate for
    /// an array of unknown length; measured under `bench api --rate 200`: 182 ms of planning for
    /// 1,198 completions, more than the 95 ms their execution took).
    /// Sent with BEGIN, as the `prelude` of the transaction (no round trip of its own).
    static let lookUpJobsByPrimaryKey = """
        SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; \
        SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off; \
        SET LOCAL plan_cache_mode = force_generic_plan
        """

    // One statement for the whole batch. The final state is decided here, from the row itself:
    // a retry of a job that used its attempts, or a retry/snooze past the deadline, fails it;
    // a job whose cancel was requested is cancelled unless it succeeded.
    // The fences (state still 'running', the claiming worker) are columns of the batch, which
    // `OFFSET 0` keeps a subquery of its own, so they are join conditions, not filters of the scan of
    // `jobs`: as a filter, `state = 'running'` would match the partial index of running jobs and
    // tempt the planner to read all of them. With the settings of `lookUpJobsByPrimaryKey`, the
    // only plan is a hash join of the batch with the jobs `id = ANY ($1)` finds by primary key
    // (measured: with a nested loop chosen on stale estimates, 1,000 completions over 20,000 running
    // jobs took 8.5 s instead of 15 ms).
    static let completeSQL = """
        UPDATE switchyard.jobs j
        SET state = CASE
                WHEN i.kind = 0 THEN 'succeeded'
                WHEN i.kind = 1 THEN 'failed'
                WHEN j.cancel_requested OR i.kind = 4 THEN 'cancelled'
                WHEN i.kind = 2 AND j.attempt - j.snoozes >= j.max_attempts THEN 'failed'
                WHEN i.kind IN (2, 3) AND j.deadline < now() + i.delay_ms * interval '1 millisecond' THEN 'failed'
                ELSE 'queued' END,
            finished_at = CASE
                WHEN i.kind IN (0, 1, 4) OR j.cancel_requested THEN now()
                WHEN i.kind = 2 AND j.attempt - j.snoozes >= j.max_attempts THEN now()
                WHEN i.kind IN (2, 3) AND j.deadline < now() + i.delay_ms * interval '1 millisecond' THEN now()
                END,
            result = CASE WHEN i.kind = 0 THEN i.payload ELSE j.result END,
            error = CASE
                WHEN i.kind = 0 THEN NULL
                WHEN i.kind <> 4 AND j.cancel_requested THEN $6::jsonb
                WHEN i.kind IN (2, 3) AND NOT (i.kind = 2 AND j.attempt - j.snoozes >= j.max_attempts)
                     AND j.deadline < now() + i.delay_ms * interval '1 millisecond'
                    THEN $7::jsonb || jsonb_build_object('detail', i.payload)
                ELSE coalesce(i.payload, j.error) END,
            run_at = CASE WHEN i.kind IN (2, 3, 5) THEN now() + i.delay_ms * interval '1 millisecond'
                          ELSE j.run_at END,
            snoozes = j.snoozes + CASE WHEN i.kind IN (3, 5) THEN 1 ELSE 0 END,
            lease_expires_at = NULL,
            routing_trace = coalesce(i.trace, j.routing_trace),
            cache_key = coalesce(i.cache_key, j.cache_key)
        FROM (
            SELECT u.id, u.attempt, u.kind, u.delay_ms, nullif($5::jsonb -> (u.n::int - 1), 'null') AS payload,
                   nullif($8::jsonb -> (u.n::int - 1), 'null') AS trace, u.cache_key,
                   'running'::text AS running, $10::text AS worker
            FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[], $9::text[])
                 WITH ORDINALITY AS u(id, attempt, kind, delay_ms, cache_key, n)
            OFFSET 0
        ) i
        WHERE j.id = ANY ($1::bigint[]) AND j.id = i.id AND j.attempt = i.attempt AND j.state = i.running
          AND (i.worker IS NULL OR j.worker_id = i.worker)
        RETURNING j.id, j.state
        """

    /// Writes a batch of completions in one transaction: one UPDATE for the batch (each row applies
    /// only while the job is still `running` under the same attempt; it also sets the routing trace
    /// and cache key a completion carries, so the row is rewritten once); once it committed, the
    /// NOTIFYs that wake waiting clients (naming the finished jobs) and, for jobs back in `queued`,
    /// workers (best effort: waiting clients and workers also poll).
    /// - Parameters:
    ///   - workerID: the worker that holds the claims; a row claimed since by another worker is
    ///     skipped even under the same attempt number (see `claimSQL` on claims lost in a crash).
    ///     nil fences by attempt alone.
    ///   - extra: runs in the same transaction after the update (e.g. usage rows).
    public func complete(
        _ completions: [JobCompletion], workerID: String? = nil,
        extra: (@Sendable (PostgresConnection, CompletionResult) throws -> Void)? = nil
    ) async throws -> CompletionResult {
        if completions.isEmpty { return CompletionResult() }
        // Rows are locked in id order everywhere a batch touches running jobs, so a completion and a
        // heartbeat over the same jobs cannot deadlock.
        let completions = completions.sorted { $0.id < $1.id }
        let parameters: [(any PostgresEncodable)?] = [
            SQLArray.integers(completions.map { $0.id }),
            SQLArray.integers(completions.map { $0.attempt }),
            SQLArray.integers(completions.map { $0.kind.rawValue }),
            SQLArray.integers(completions.map { $0.delayMs }),
            SQLText(JSONText.array(completions.map { $0.payload.flatMap { $0.isEmpty ? nil : $0 } })),
            PostgresJSON(JobError.cancelled.json),
            PostgresJSON(JobError.deadlineExceeded.json),
            // Traces and cache keys are NULL for the whole batch when no completion carries one
            // (the queue's own executors), so such batches parse nothing extra.
            completions.contains { $0.routingTrace != nil } ? SQLText(JSONText.array(completions.map { $0.routingTrace })) : nil,
            completions.contains { $0.cacheKey != nil } ? SQLArray.strings(completions.map { $0.cacheKey }) : nil,
            workerID,
        ]
        let ids = completions.map { $0.id }
        return try await client.withConnection { connection in
            try connection.transaction(prelude: Self.lookUpJobsByPrimaryKey, { connection in
                let rows = try connection.query(Self.completeSQL, parameters)
                var result = CompletionResult()
                result.written.reserveCapacity(rows.count)
                for row in rows {
                    guard let id = row[0].flatMap({ Int64($0) }), let state = row[1].flatMap(JobState.init) else {
                        throw QueueError(.unexpectedResult, "completion returned an incomplete row")
                    }
                    result.written.append((id, state))
                }
                if rows.count < completions.count {
                    let written = Set(result.written.map { $0.id })
                    result.skipped = ids.filter { !written.contains($0) }
                }
                try extra?(connection, result)
                return result
            }, epilogue: Self.wakeUpSQL)
        }
    }

    /// The NOTIFYs sent with the COMMIT of a completion batch, in a transaction of their own that
    /// does not wait for the WAL flush: PostgreSQL holds one lock from a notifying transaction's
    /// commit until its flush ends, so NOTIFY inside the durable transaction would let one
    /// completion batch (or enqueue) commit at a time. They wake waiting clients (naming the
    /// finished jobs, so a serve process wakes exactly the requests waiting for them) and, for jobs
    /// back in `queued`, workers. A wake-up lost in a crash is harmless: listeners also poll.
    static func wakeUpSQL(_ result: CompletionResult) -> String? {
        var notifications: [String] = []
        for payload in finishedPayloads(result.written.filter { $0.state.isTerminal }.map { $0.id }) {
            notifications.append("(\(PostgresConnection.literal(finishedChannel)), \(PostgresConnection.literal(payload)))")
        }
        if result.written.contains(where: { !$0.state.isTerminal }) {
            notifications.append("(\(PostgresConnection.literal(jobsChannel)), '')")
        }
        if notifications.isEmpty { return nil }
        return """
            SELECT set_config('synchronous_commit', 'off', true), pg_notify(n.channel, n.payload) \
            FROM (VALUES \(notifications.joined(separator: ", "))) AS n(channel, payload)
            """
    }
}
