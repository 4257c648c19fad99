import Foundation
import Postgres

extension JobQueue {
    static let insertColumns = """
        queue, priority, run_at, max_attempts, deadline, client_id, batch_id, custom_id, idempotency_key, \
        route, request, options
        """

    /// Enqueues one job.
    ///
    /// The insert commits without waiting for its WAL flush (`synchronous_commit = off` for that
    /// transaction), so the job is visible and its NOTIFY sent at once; a durable enqueue then waits
    /// for the flush in a second, tiny transaction (`flushWAL`) before it returns. Workers can pick
    /// the job up while its fsync runs instead of after it (on an idle machine the fsync is most of
    /// the enqueue's time), and durable enqueues share fsyncs: PostgreSQL holds one lock from a
    /// NOTIFYing transaction's commit until its flush ends, so inserts that waited for their flush
    /// while NOTIFYing (the insert trigger does) ran one fsync at a time.
    ///
    /// A crash before the flush loses the job — but the caller has no answer yet, only an error; a
    /// worker may have begun it meanwhile (at-least-once, as when a worker dies). Every completion
    /// is a durable commit, so a job whose result is written is durable too.
    /// - Parameter durable: false returns without waiting for the flush: for a job whose submitter
    ///   waits for its answer on an open request (`/v1/chat/completions`), which fails rather than
    ///   being answered if the database crashes within the flush delay (at most three
    ///   `wal_writer_delay`s, and only until any later durable commit flushes it too).
    /// - Returns: the new job, or the earlier job with the same idempotency key (`created == false`).
    /// - Throws: `PostgresError`, e.g. for a request that is not valid JSON.
    public func enqueue(_ job: NewJob, durable: Bool = true) async throws -> EnqueuedJob {
        let parameters: [(any PostgresEncodable)?] = [
            job.queue, job.priority, job.runAt, job.maxAttempts, job.deadline, job.clientID, job.batchID,
            job.customID, job.idempotencyKey, job.route, PostgresJSON(job.request), PostgresJSON(job.options),
        ]
        return try await client.withConnection { connection in
            let enqueued = try Self.insert(job, parameters: parameters, on: connection)
            if durable { try Self.flushWAL(on: connection) }
            return enqueued
        }
    }

    // The single-job inserts commit without waiting for the flush: SET LOCAL from inside the
    // statement holds for the commit of the statement's own transaction, in the same round trip.
    private static let insertValues = """
        VALUES ($1, $2, coalesce($3::timestamptz, now()), $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb)
        """
    private static let insertOneSQL = """
        INSERT INTO switchyard.jobs (\(insertColumns)) \(insertValues)
        RETURNING id, set_config('synchronous_commit', 'off', true)
        """
    private static let insertOneIdempotentSQL = """
        INSERT INTO switchyard.jobs (\(insertColumns)) \(insertValues)
        ON CONFLICT (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, set_config('synchronous_commit', 'off', true)
        """

    private static func insert(
        _ job: NewJob, parameters: [(any PostgresEncodable)?], on connection: PostgresConnection
    ) throws -> EnqueuedJob {
        guard let key = job.idempotencyKey else {
            let rows = try connection.query(insertOneSQL, parameters)
            return EnqueuedJob(id: try id(rows.first), created: true)
        }
        // ON CONFLICT waits for a concurrent insert of the same key to commit, so the follow-up
        // SELECT (a new snapshot) sees that row.
        for _ in 0..<3 {
            if let row = try connection.query(insertOneIdempotentSQL, parameters).first {
                return EnqueuedJob(id: try id(row), created: true)
            }
            let existing = try connection.query(
                "SELECT id FROM switchyard.jobs WHERE client_id IS NOT DISTINCT FROM $1 AND idempotency_key = $2",
                [job.clientID, key])
            if let row = existing.first { return EnqueuedJob(id: try id(row), created: false) }
        }
        throw QueueError(.unexpectedResult, "idempotent enqueue found neither a new nor an existing job")
    }

    /// Returns once all WAL written so far — the commits before it on this connection included — is
    /// flushed. A transaction that wrote WAL under a transaction id and commits synchronously waits
    /// for the flush up to its commit record, which comes after theirs (concurrent ones share the
    /// fsync); a transactional logical message (a few bytes of WAL, any `wal_level`, no privilege
    /// needed, ignored by logical replication unless asked for) is the smallest such write — taking
    /// an id alone writes nothing, and PostgreSQL then commits without waiting.
    /// `synchronous_commit` is set for this transaction, whatever the server's default.
    static func flushWAL(on connection: PostgresConnection) throws {
        _ = try connection.query(
            "SELECT set_config('synchronous_commit', 'on', true), pg_logical_emit_message(true, 'switchyard', 'flush')")
    }

    /// Enqueues many jobs atomically (all or none), a chunk of rows per statement.
    /// - Returns: one entry per input job, in input order.
    public func enqueue(_ jobs: [NewJob], chunkSize: Int = 5_000) async throws -> [EnqueuedJob] {
        if jobs.isEmpty { return [] }
        return try await client.transaction { connection in
            try Self.enqueue(jobs, chunkSize: chunkSize, on: connection)
        }
    }

    /// Enqueues many jobs on `connection`, inside the caller's transaction (so they commit, or
    /// not, with the caller's other writes, e.g. the batch they belong to).
    /// - Returns: one entry per input job, in input order.
    public static func enqueue(_ jobs: [NewJob], chunkSize: Int = 5_000, on connection: PostgresConnection) throws
        -> [EnqueuedJob] {
        precondition(chunkSize > 0)
        var out: [EnqueuedJob] = []
        out.reserveCapacity(jobs.count)
        var start = 0
        while start < jobs.count {
            let end = min(start + chunkSize, jobs.count)
            out += try insertChunk(jobs[start..<end], on: connection)
            start = end
        }
        return out
    }

    /// Inserts jobs without idempotency keys in one statement that commits on its own without
    /// waiting for the WAL flush (as the single-job insert does); see `EnqueueBatcher`.
    /// - Returns: one entry per input job, in input order.
    static func insertRelaxed(_ jobs: [NewJob], on connection: PostgresConnection) throws -> [EnqueuedJob] {
        precondition(jobs.allSatisfy { $0.idempotencyKey == nil })
        return try insertChunk(jobs[...], relaxedCommit: true, on: connection)
    }

    private static func insertChunk(
        _ jobs: ArraySlice<NewJob>, relaxedCommit: Bool = false, on connection: PostgresConnection
    ) throws -> [EnqueuedJob] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let hasKeys = jobs.contains { $0.idempotencyKey != nil }
        let parameters: [(any PostgresEncodable)?] = [
            SQLArray.strings(jobs.map { $0.queue }),
            SQLArray.integers(jobs.map { $0.priority }),
            SQLArray.strings(jobs.map { job in job.runAt.map { formatter.string(from: $0) } }),
            SQLArray.integers(jobs.map { $0.maxAttempts }),
            SQLArray.strings(jobs.map { job in job.deadline.map { formatter.string(from: $0) } }),
            SQLArray.integers(jobs.map { $0.clientID }),
            SQLArray.integers(jobs.map { $0.batchID }),
            SQLArray.strings(jobs.map { $0.customID }),
            SQLArray.strings(jobs.map { $0.idempotencyKey }),
            SQLArray.strings(jobs.map { $0.route }),
            SQLText(JSONText.array(jobs.map { $0.request })),
            SQLText(JSONText.array(jobs.map { $0.options })),
            jobs.count,
        ]
        // Requests and options travel as one JSON array each (no per-element quoting), read by index;
        // the count check makes a request text that is not exactly one JSON value insert nothing.
        let sql = """
            INSERT INTO switchyard.jobs (\(insertColumns))
            SELECT u.queue, u.priority, coalesce(u.run_at, now()), u.max_attempts, u.deadline, u.client_id,
                   u.batch_id, u.custom_id, u.idempotency_key, u.route,
                   $11::jsonb -> (u.n::int - 1), $12::jsonb -> (u.n::int - 1)
            FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::timestamptz[], $6::bigint[],
                        $7::bigint[], $8::text[], $9::text[], $10::text[])
                 WITH ORDINALITY AS u(queue, priority, run_at, max_attempts, deadline, client_id, batch_id,
                                      custom_id, idempotency_key, route, n)
            WHERE jsonb_array_length($11::jsonb) = $13 AND jsonb_array_length($12::jsonb) = $13
            ORDER BY n
            \(hasKeys ? "ON CONFLICT (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING" : "")
            RETURNING id, idempotency_key, client_id\(relaxedCommit ? ", set_config('synchronous_commit', 'off', true)" : "")
            """
        let rows = try connection.query(sql, parameters)
        if !hasKeys {
            guard rows.count == jobs.count else {
                throw QueueError(.invalidJSON, "a request in the batch is not one JSON value")
            }
            // Identity values are drawn in row order within one statement, so ascending ids are input order.
            return try rows.map { try id($0) }.sorted().map { EnqueuedJob(id: $0, created: true) }
        }
        var created: [String: Int64] = [:]
        for row in rows { if let key = row[1] { created[(row[2] ?? "") + "\u{1}" + key] = try id(row) } }
        var createdOrder = try rows.filter { $0[1] == nil }.map { try id($0) }.sorted().makeIterator()
        var out: [EnqueuedJob] = []
        var claimedKeys = Set<String>()
        for job in jobs {
            let scope = job.clientID.map(String.init) ?? ""
            if let key = job.idempotencyKey {
                let scoped = scope + "\u{1}" + key
                if let id = created[scoped], !claimedKeys.contains(scoped) {
                    claimedKeys.insert(scoped)
                    out.append(EnqueuedJob(id: id, created: true))
                } else {
                    let existing = try connection.query(
                        "SELECT id FROM switchyard.jobs WHERE client_id IS NOT DISTINCT FROM $1 AND idempotency_key = $2",
                        [job.clientID, key])
                    out.append(EnqueuedJob(id: try id(existing.first), created: false))
                }
            } else {
                guard let id = createdOrder.next() else {
                    throw QueueError(.invalidJSON, "a request in the batch is not one JSON value")
                }
                out.append(EnqueuedJob(id: id, created: true))
            }
        }
        return out
    }

    static func id(_ row: PostgresRow?) throws -> Int64 {
        guard let text = row?[0], let id = Int64(text) else {
            throw QueueError(.unexpectedResult, "expected a job id")
        }
        return id
    }
}
