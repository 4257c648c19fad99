import Postgres

extension JobQueue {
    static let rescueSQL = """
        UPDATE switchyard.jobs j
        SET state = CASE WHEN j.cancel_requested THEN 'cancelled'
                         WHEN j.attempt - j.snoozes >= j.max_attempts THEN 'failed'
                         ELSE 'queued' END,
            finished_at = CASE WHEN j.cancel_requested OR j.attempt - j.snoozes >= j.max_attempts THEN now() END,
            error = CASE WHEN j.cancel_requested THEN $2::jsonb
                         ELSE jsonb_build_object(
                             'code', 'lease_expired',
                             'message', 'the worker running attempt ' || j.attempt || ' stopped renewing its lease',
                             'detail', j.worker_id) END,
            run_at = now(),
            lease_expires_at = NULL
        WHERE j.id = ANY (ARRAY (
            SELECT id FROM switchyard.jobs
            WHERE state = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED))
        RETURNING j.id, j.state
        """

    /// Puts running jobs whose lease expired back to `queued` (or `failed` when out of attempts,
    /// `cancelled` when a cancel was requested), at most `limit` per call.
    /// - Returns: the rescued jobs and their new states.
    public func rescueExpired(limit: Int = 1_000) async throws -> [(id: Int64, state: JobState)] {
        try await client.transaction { connection in
            let rows = try connection.query(Self.rescueSQL, [limit, PostgresJSON(JobError.cancelled.json)])
            let rescued = rows.compactMap { row -> (Int64, JobState)? in
                guard let id = row[0].flatMap({ Int64($0) }), let state = row[1].flatMap(JobState.init) else { return nil }
                return (id, state)
            }
            if rescued.contains(where: { $0.1 == .queued }) {
                _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.jobsChannel])
            }
            if rescued.contains(where: { $0.1.isTerminal }) {
                _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.finishedChannel])
            }
            return rescued
        }
    }
}
