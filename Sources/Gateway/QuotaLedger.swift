import Postgres
import Queue

/// Token quota accounting in `switchyard.client_usage` and `switchyard.quota_reservations`
/// (migration 0006).
///
/// **Reservation.** ``admit(_:tokens:clientID:on:)`` locks the client's row, reads the tokens
/// already counted in the current UTC minute and day, and only when the new jobs' estimates fit
/// both windows enqueues them and records one reservation per job in the submit minute.
///
/// **Settlement.** ``settle(limit:)`` (run by serve about every second) takes the reservations of
/// jobs that reached a terminal state and replaces each estimate by the job's provider tokens from
/// the ledger (`prompt_tokens + completion_tokens` of its `switchyard.attempts` rows, cache hits
/// excluded), in the minute the job was submitted. A failed or cancelled job counts what its calls
/// used, possibly nothing.
public struct QuotaLedger: Sendable {
    /// What admission decided, and the jobs it enqueued (none when refused).
    public struct Admission: Sendable {
        /// nil when the client has no quota (its jobs are enqueued without accounting).
        public var decision: TokenQuota.Decision?
        public var jobs: [EnqueuedJob]

        public var admitted: Bool { decision?.admitted ?? true }
    }

    /// A client's tokens in the current windows.
    public struct ClientUsage: Sendable, Hashable {
        public var minuteTokens: Int
        public var dayTokens: Int
        /// Jobs whose estimate still stands in for their tokens.
        public var reservedJobs: Int

        public init(minuteTokens: Int, dayTokens: Int, reservedJobs: Int) {
            self.minuteTokens = minuteTokens
            self.dayTokens = dayTokens
            self.reservedJobs = reservedJobs
        }
    }

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Enqueues `jobs` for `clientID` if their `tokens` (one estimate per job) fit the client's
    /// quotas. Runs on `connection`, so a caller can do it inside its own transaction (a batch and
    /// its jobs); alone it opens one. Jobs returned by an idempotency key (already enqueued) are
    /// neither counted nor charged again.
    /// - Returns: the decision and, when admitted, the jobs (in input order).
    /// - Throws: `PostgresError`, `QueueError`.
    public static func admit(_ jobs: [NewJob], tokens: [Int], clientID: Int64, on connection: PostgresConnection) throws
        -> Admission {
        precondition(jobs.count == tokens.count, "one token estimate per job")
        return try connection.transaction { connection in
            // The lock serialises this client's admissions; the usage read below is a new statement,
            // so it sees every admission that committed while this one waited.
            let quotaRows = try connection.query(
                "SELECT tpm, tpd FROM switchyard.clients WHERE id = $1 FOR NO KEY UPDATE", [clientID])
            let quota = TokenQuota(perMinute: quotaRows.first?.int("tpm"), perDay: quotaRows.first?.int("tpd"))
            if quota.isUnlimited {
                return Admission(decision: nil, jobs: try JobQueue.enqueue(jobs, on: connection))
            }
            let alreadyEnqueued = try existingKeys(of: jobs, clientID: clientID, on: connection)
            let requested = zip(jobs, tokens).reduce(0) { sum, pair in
                pair.0.idempotencyKey.map { alreadyEnqueued.contains($0) } == true ? sum : sum + pair.1
            }
            let window = try usage(clientID: clientID, on: connection)
            guard let decision = quota.decide(requested: requested, usage: window.usage) else {
                return Admission(decision: nil, jobs: try JobQueue.enqueue(jobs, on: connection))
            }
            guard decision.admitted else { return Admission(decision: decision, jobs: []) }
            let enqueued = try JobQueue.enqueue(jobs, on: connection)
            let charged = zip(enqueued, tokens).filter { $0.0.created }
            if !charged.isEmpty {
                try connection.query(
                    """
                    WITH reserved AS (
                        INSERT INTO switchyard.quota_reservations (job_id, client_id, window_start, tokens)
                        SELECT job_id, $2, $3::timestamptz, tokens
                        FROM unnest($1::bigint[], $4::bigint[]) AS r(job_id, tokens)
                        RETURNING tokens
                    )
                    INSERT INTO switchyard.client_usage AS u (client_id, window_start, reserved_tokens, jobs)
                    SELECT $2, $3::timestamptz, sum(tokens), count(*) FROM reserved
                    ON CONFLICT (client_id, window_start) DO UPDATE
                    SET reserved_tokens = u.reserved_tokens + excluded.reserved_tokens, jobs = u.jobs + excluded.jobs
                    """, [charged.map(\.0.id), clientID, window.minuteStart, charged.map { Int64($0.1) }])
            }
            return Admission(decision: decision, jobs: enqueued)
        }
    }

    /// ``admit(_:tokens:clientID:on:)`` on a pooled connection.
    public func admit(_ jobs: [NewJob], tokens: [Int], clientID: Int64) async throws -> Admission {
        try await client.withConnection { connection in
            try Self.admit(jobs, tokens: tokens, clientID: clientID, on: connection)
        }
    }

    /// Settles up to `limit` reservations of finished jobs from the ledger. Several serve processes
    /// may call it at once: one settles; the others return 0 at once, or with `waitForOthers` wait
    /// for it and then settle what is left.
    /// - Returns: how many jobs were settled.
    @discardableResult
    public func settle(limit: Int = 10_000, waitForOthers: Bool = false) async throws -> Int {
        try await client.withConnection { connection in
            try connection.transaction(prelude: Self.indexOnlyPlans, { connection in
                try Self.settle(limit: limit, waitForOthers: waitForOthers, on: connection)
            }, epilogue: nil)
        }
    }

    /// Sent with the settlement's BEGIN: its statement is prepared, and a generic plan made while
    /// `jobs` and `attempts` were small read them whole on every settlement after they had grown:
    /// first a hash join over a sequential scan of `jobs`, then, with sequential scans off, a join
    /// driven by a full scan of a `jobs` index. The statement now looks each reservation's job up
    /// by a subquery on its primary key (no join for the planner to turn around), and with only
    /// nested loops and index scans left, the rest of it looks rows up by key too.
    static let indexOnlyPlans = """
        SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; \
        SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off
        """

    private static func settle(limit: Int, waitForOthers: Bool, on connection: PostgresConnection) throws -> Int {
        if waitForOthers {
            try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.settleLockKey])
        } else {
            let locked = try connection.query("SELECT pg_try_advisory_xact_lock($1) AS locked", [Self.settleLockKey])
            guard locked.first?.bool("locked") == true else { return 0 }
        }
        let rows = try connection.query(
            """
            WITH picked AS (
                SELECT r.job_id
                FROM switchyard.quota_reservations r
                WHERE (SELECT j.state FROM switchyard.jobs j WHERE j.id = r.job_id) IN ('succeeded', 'failed', 'cancelled')
                LIMIT $1
            ), done AS (
                DELETE FROM switchyard.quota_reservations r USING picked p
                WHERE r.job_id = p.job_id
                RETURNING r.job_id, r.client_id, r.window_start, r.tokens
            ), per_window AS (
                SELECT d.client_id, d.window_start, sum(d.tokens) AS estimate, count(*) AS jobs,
                       coalesce(sum(l.tokens), 0) AS used
                FROM done d
                LEFT JOIN LATERAL (
                    SELECT sum(a.prompt_tokens + a.completion_tokens) AS tokens
                    FROM switchyard.attempts a
                    WHERE a.job_id = d.job_id AND a.outcome <> 'cache_hit'
                ) l ON true
                GROUP BY d.client_id, d.window_start
            ), updated AS (
                UPDATE switchyard.client_usage u
                SET reserved_tokens = u.reserved_tokens - w.estimate,
                    used_tokens = u.used_tokens + w.used,
                    settled_jobs = u.settled_jobs + w.jobs
                FROM per_window w
                WHERE u.client_id = w.client_id AND u.window_start = w.window_start
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM done) AS settled, (SELECT count(*) FROM updated) AS windows
            """, [limit])
        return rows.first?.int("settled") ?? 0
    }

    /// Removes windows and reservations older than two days: they count against no window any more.
    /// Both tables are scanned (window_start leads no index), so serve runs this every ten minutes.
    public func prune() async throws {
        try await client.transaction { connection in
            try connection.query("DELETE FROM switchyard.client_usage WHERE window_start < now() - interval '2 days'")
            try connection.query("DELETE FROM switchyard.quota_reservations WHERE window_start < now() - interval '2 days'")
        }
    }

    /// Tokens counted now for each of `clientIDs` (clients without usage are left out).
    public func usage(clientIDs: [Int64]) async throws -> [Int64: ClientUsage] {
        let rows = try await client.query(
            """
            SELECT client_id,
                   coalesce(sum(reserved_tokens + used_tokens)
                            FILTER (WHERE window_start = date_trunc('minute', statement_timestamp(), 'UTC')), 0) AS minute_tokens,
                   coalesce(sum(reserved_tokens + used_tokens), 0) AS day_tokens,
                   coalesce(sum(jobs - settled_jobs), 0) AS reserved_jobs
            FROM switchyard.client_usage
            WHERE client_id = ANY($1::bigint[]) AND window_start >= date_trunc('day', statement_timestamp(), 'UTC')
            GROUP BY client_id
            """, [clientIDs])
        var out: [Int64: ClientUsage] = [:]
        for row in rows {
            guard let id = row.int64("client_id") else { continue }
            out[id] = ClientUsage(minuteTokens: row.int("minute_tokens") ?? 0, dayTokens: row.int("day_tokens") ?? 0,
                                  reservedJobs: row.int("reserved_jobs") ?? 0)
        }
        return out
    }

    /// Advisory lock key of the settler ("SYQUOT").
    static let settleLockKey: Int64 = 0x5359_5155_4F54

    /// The current windows' usage of `clientID` and the minute admitted jobs are charged to.
    private static func usage(clientID: Int64, on connection: PostgresConnection) throws
        -> (usage: TokenQuota.Usage, minuteStart: String) {
        let rows = try connection.query(
            """
            SELECT date_trunc('minute', statement_timestamp(), 'UTC') AS minute_start,
                   extract(epoch FROM date_trunc('minute', statement_timestamp(), 'UTC') + interval '1 minute'
                                      - statement_timestamp()) AS minute_left,
                   extract(epoch FROM date_trunc('day', statement_timestamp(), 'UTC') + interval '1 day'
                                      - statement_timestamp()) AS day_left,
                   coalesce(sum(reserved_tokens + used_tokens)
                            FILTER (WHERE window_start = date_trunc('minute', statement_timestamp(), 'UTC')), 0) AS minute_tokens,
                   coalesce(sum(reserved_tokens + used_tokens), 0) AS day_tokens
            FROM switchyard.client_usage
            WHERE client_id = $1 AND window_start >= date_trunc('day', statement_timestamp(), 'UTC')
            """, [clientID])
        guard let row = rows.first, let minuteStart = row.string("minute_start") else {
            throw QueueError(.unexpectedResult, "quota usage query returned no row")
        }
        let usage = TokenQuota.Usage(
            minuteTokens: row.int("minute_tokens") ?? 0, dayTokens: row.int("day_tokens") ?? 0,
            secondsToMinuteEnd: row.double("minute_left") ?? 60, secondsToDayEnd: row.double("day_left") ?? 86_400)
        return (usage, minuteStart)
    }

    /// The idempotency keys among `jobs` that this client already used (those jobs are returned, not enqueued).
    private static func existingKeys(of jobs: [NewJob], clientID: Int64, on connection: PostgresConnection) throws
        -> Set<String> {
        let keys = jobs.compactMap(\.idempotencyKey)
        if keys.isEmpty { return [] }
        let rows = try connection.query(
            "SELECT idempotency_key FROM switchyard.jobs WHERE client_id = $1 AND idempotency_key = ANY($2::text[])",
            [clientID, keys])
        return Set(rows.compactMap { $0.string("idempotency_key") })
    }
}
