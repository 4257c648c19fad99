import Postgres

extension JobQueue {
    /// Cancels every unfinished job of batch `batchID` inside the caller's transaction: queued jobs
    /// become `cancelled` at once with `error`, running ones are flagged and end `cancelled` at
    /// their worker's next checkpoint (or when the rescuer finds their lease expired).
    /// - Returns: how many jobs were cancelled now and how many running ones were flagged.
    public static func cancelJobs(inBatch batchID: Int64, error: JobError, on connection: PostgresConnection) throws
        -> (cancelled: Int, flagged: Int) {
        // Lock the rows first, in id order like completions and heartbeats, so the updates below
        // cannot deadlock with a worker writing the same jobs.
        _ = try connection.query(
            "SELECT id FROM switchyard.jobs WHERE batch_id = $1 AND state IN ('queued', 'running') ORDER BY id FOR UPDATE",
            [batchID])
        let cancelled = try connection.query(
            """
            UPDATE switchyard.jobs
            SET state = 'cancelled', finished_at = now(), error = $2::jsonb, cancel_requested = true
            WHERE batch_id = $1 AND state = 'queued'
            """, [batchID, PostgresJSON(error.json)]).affectedRows
        let flagged = try connection.query(
            "UPDATE switchyard.jobs SET cancel_requested = true WHERE batch_id = $1 AND state = 'running' AND NOT cancel_requested",
            [batchID]).affectedRows
        if cancelled > 0 { _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.finishedChannel]) }
        if flagged > 0 { _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.cancelChannel]) }
        return (cancelled, flagged)
    }
}
