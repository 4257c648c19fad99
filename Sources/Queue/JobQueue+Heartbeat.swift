import Postgres

extension JobQueue {
    /// What a heartbeat found for the jobs a worker holds.
    public struct HeartbeatResult: Sendable {
        /// Jobs whose cancel was requested: the heartbeat made them `cancelled`; stop working on them.
        public var cancelled: [Int64] = []
        /// Jobs no longer running under the worker's claim (rescued, perhaps claimed elsewhere):
        /// any later write for them is ignored.
        public var lost: [Int64] = []
    }

    // See completeSQL for why the fences are columns of the batch.
    static let heartbeatSQL = """
        UPDATE switchyard.jobs j
        SET lease_expires_at = CASE WHEN j.cancel_requested THEN NULL
                                    ELSE now() + $3 * interval '1 millisecond' END,
            state = CASE WHEN j.cancel_requested THEN 'cancelled' ELSE 'running' END,
            finished_at = CASE WHEN j.cancel_requested THEN now() END,
            error = CASE WHEN j.cancel_requested THEN $4::jsonb ELSE j.error END
        FROM (SELECT u.id, u.attempt, 'running'::text AS running, $5::text AS worker
              FROM unnest($1::bigint[], $2::int[]) AS u(id, attempt) OFFSET 0) i
        WHERE j.id = ANY ($1::bigint[]) AND j.id = i.id AND j.attempt = i.attempt AND j.state = i.running
          AND (i.worker IS NULL OR j.worker_id = i.worker)
        RETURNING j.id, j.state
        """

    /// Extends the leases of every job in `held` (id, attempt) in one statement. This is also a
    /// cancel checkpoint: a held job whose cancel was requested becomes `cancelled` here.
    /// - Parameter workerID: the worker that holds the claims (as for ``complete(_:workerID:extra:)``).
    public func heartbeat(_ held: [(id: Int64, attempt: Int32)], leaseMs: Int, workerID: String? = nil) async throws -> HeartbeatResult {
        if held.isEmpty { return HeartbeatResult() }
        let held = held.sorted { $0.id < $1.id }  // the lock order of completions too
        let parameters: [(any PostgresEncodable)?] = [
            SQLArray.integers(held.map { $0.id }), SQLArray.integers(held.map { $0.attempt }), leaseMs,
            PostgresJSON(JobError.cancelled.json), workerID,
        ]
        let rows = try await client.withConnection { connection in
            try connection.transaction(prelude: Self.lookUpJobsByPrimaryKey, { connection in
                let rows = try connection.query(Self.heartbeatSQL, parameters)
                if rows.contains(where: { $0[1] == "cancelled" }) {
                    _ = try connection.query("SELECT pg_notify($1, '')", [JobQueue.finishedChannel])
                }
                return rows
            }, epilogue: nil)
        }
        var result = HeartbeatResult()
        var seen = Set<Int64>()
        for row in rows {
            guard let id = row[0].flatMap({ Int64($0) }) else { continue }
            seen.insert(id)
            if row[1] == "cancelled" { result.cancelled.append(id) }
        }
        result.lost = held.map { $0.id }.filter { !seen.contains($0) }
        return result
    }
}
