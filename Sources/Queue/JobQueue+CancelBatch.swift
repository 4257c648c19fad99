import Postgres

extension JobQueue {
    /// Cancels every unfinished job of batch `batchID` inside the caller's transaction: queued jobs
    /// become `cancelled` at once with `error`, running ones are flagged and end `cancelled` at
    /// their worker's next checkpoint (or when the rescuer finds their lease expired).
    /// - Returns: how many jobs were cancelled now and how many running ones were flagged.
    public static func cancelJobs(inBatch batchID: Int64, error: JobError, on connection: PostgresConnection) throws
        -> (cancelled: Int, flagged: Int) {
        let rows = try connection.query(
            """
            WITH cancelled AS (
                UPDATE switchyard.jobs
                SET state = 'cancelled', finished_at = now(), error = $2::jsonb, cancel_requested = true
                WHERE batch_id = $1 AND state = 'queued'
                RETURNING 1
            ), flagged AS (
                UPDATE switchyard.jobs SET cancel_requested = true
                WHERE batch_id = $1 AND state = 'running' AND NOT cancel_requested
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM cancelled) AS cancelled, (SELECT count(*) FROM flagged) AS flagged
            """, [batchID, PostgresJSON(error.json)])
        let cancelled = rows.first?.int("cancelled") ?? 0
        let flagged = rows.first?.int("flagged") ?? 0
        if cancelled > 0 { _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.finishedChannel]) }
        if flagged > 0 { _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.cancelChannel]) }
        return (cancelled, flagged)
    }
}
