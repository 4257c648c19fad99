import Postgres

extension JobQueue {
    /// Cancels a job: a queued job becomes `cancelled` at once; a running one is flagged and becomes
    /// `cancelled` at its worker's next checkpoint (heartbeat or completion).
    /// - Returns: the job's state after the call (`running` for a flagged job; a terminal state is
    ///   returned unchanged), or `nil` when there is no such job.
    public func cancel(id: Int64) async throws -> JobState? {
        try await client.transaction { connection in
            let rows = try connection.query(
                """
                UPDATE switchyard.jobs
                SET state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
                    finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
                    error = CASE WHEN state = 'queued' THEN $2::jsonb ELSE error END,
                    cancel_requested = true
                WHERE id = $1 AND state IN ('queued', 'running')
                RETURNING state
                """, [id, PostgresJSON(JobError.cancelled.json)])
            if let state = rows.first?[0].flatMap(JobState.init) {
                let channel = state == .cancelled ? JobQueue.finishedChannel : JobQueue.cancelChannel
                _ = try connection.query("SELECT pg_notify($1, $2)", [channel, String(id)])
                return state
            }
            let existing = try connection.query("SELECT state FROM switchyard.jobs WHERE id = $1", [id])
            return existing.first?[0].flatMap(JobState.init)
        }
    }
}
