import Foundation
import Postgres
import Queue

/// SQL for `switchyard.files` and `switchyard.batches`: what the Batch API routes, `docs submit`
/// and `results` read and write. The batch service (``BatchService``) moves batches on.
///
/// Ownership: a `clientID` argument restricts a lookup to that client's rows (an API caller);
/// `nil` means any owner (the CLI, which talks to the database directly).
public struct BatchStore: Sendable {
    /// NOTIFY channel: a batch was created or cancelled (payload: its id); batch services look now.
    public static let channel = "switchyard_batches"

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    // MARK: Files

    /// Stores a file. `text` is UTF-8 without NUL characters (PostgreSQL text cannot hold them);
    /// it is kept as bytes.
    public func createFile(clientID: Int64?, purpose: String, filename: String, text: String) async throws -> FileRecord {
        let rows = try await client.query(
            """
            INSERT INTO switchyard.files (client_id, purpose, filename, bytes, content)
            VALUES ($1, $2, $3, octet_length($4::text), convert_to($4::text, 'UTF8'))
            RETURNING id, client_id, purpose, filename, bytes, created_at
            """, [clientID, purpose, filename, text])
        guard let row = rows.first else { throw PostgresError(code: .badResult, message: "file insert returned no row") }
        return try FileRecord(row: row)
    }

    /// The file `id`, when it exists and `clientID` may see it.
    public func file(id: Int64, clientID: Int64?) async throws -> FileRecord? {
        let rows = try await client.query(
            FileRecord.selectSQL + " WHERE id = $1 AND ($2::bigint IS NULL OR client_id = $2)", [id, clientID])
        return try rows.first.map(FileRecord.init(row:))
    }

    /// A page of `clientID`'s files, newest first, optionally only those of `purposes`; `after`
    /// is the last id of the previous page.
    public func files(clientID: Int64, purposes: [String]?, limit: Int, after: Int64?) async throws
        -> (files: [FileRecord], hasMore: Bool) {
        let rows = try await client.query(
            FileRecord.selectSQL + """
                 WHERE client_id = $1 AND ($2::text[] IS NULL OR purpose = ANY($2::text[])) AND ($3::bigint IS NULL OR id < $3)
                ORDER BY id DESC LIMIT $4
                """, [clientID, purposes, after, limit + 1])
        let files = try rows.map(FileRecord.init(row:))
        return (Array(files.prefix(limit)), files.count > limit)
    }

    /// The content of file `id` as text, when it exists and `clientID` may see it.
    public func fileContent(id: Int64, clientID: Int64?) async throws -> String? {
        let rows = try await client.query(
            """
            SELECT convert_from(content, 'UTF8') AS content FROM switchyard.files
            WHERE id = $1 AND ($2::bigint IS NULL OR client_id = $2)
            """, [id, clientID])
        guard let row = rows.first else { return nil }
        return row.string("content") ?? ""
    }

    // MARK: Batches

    /// Creates a Batch API batch in `validating`; a batch service validates its input file next.
    /// - Parameters:
    ///   - metadata: a JSON object as text.
    ///   - windowSeconds: the completion window; the batch expires that long after now.
    public func createBatch(clientID: Int64, inputFileID: Int64, endpoint: String, completionWindow: String,
                            windowSeconds: Int, metadata: String) async throws -> BatchRecord {
        let id = try await client.transaction { connection -> Int64 in
            let rows = try connection.query(
                """
                INSERT INTO switchyard.batches (client_id, kind, status, endpoint, completion_window, input_file_id,
                                                metadata, expires_at)
                VALUES ($1, 'openai', 'validating', $2, $3, $4, $5::jsonb, now() + $6 * interval '1 second')
                RETURNING id
                """, [clientID, endpoint, completionWindow, inputFileID, PostgresJSON(metadata), windowSeconds])
            guard let id = rows.first?.int64("id") else {
                throw PostgresError(code: .badResult, message: "batch insert returned no id")
            }
            _ = try connection.query("SELECT pg_notify($1, $2)", [Self.channel, String(id)])
            return id
        }
        guard let batch = try await batch(id: id, clientID: clientID) else {
            throw PostgresError(code: .badResult, message: "batch \(id) vanished after its insert")
        }
        return batch
    }

    /// The batch `id` with its current request counts, when it exists and `clientID` may see it.
    public func batch(id: Int64, clientID: Int64?) async throws -> BatchRecord? {
        let rows = try await client.query(
            BatchRecord.selectSQL + " WHERE b.id = $1 AND ($2::bigint IS NULL OR b.client_id = $2)", [id, clientID])
        return try rows.first.map(BatchRecord.init(row:))
    }

    /// A page of `clientID`'s batches, newest first; `after` is the last id of the previous page.
    public func batches(clientID: Int64, limit: Int, after: Int64?) async throws -> (batches: [BatchRecord], hasMore: Bool) {
        let rows = try await client.query(
            BatchRecord.selectSQL + """
                 WHERE b.client_id = $1 AND ($2::bigint IS NULL OR b.id < $2) AND b.kind = 'openai'
                ORDER BY b.id DESC LIMIT $3
                """, [clientID, after, limit + 1])
        let batches = try rows.map(BatchRecord.init(row:))
        return (Array(batches.prefix(limit)), batches.count > limit)
    }

    /// Starts cancelling batch `id`: a `validating` or `in_progress` batch becomes `cancelling`, its
    /// queued requests are cancelled at once and its running ones flagged; a batch service writes
    /// the files and marks it `cancelled` once they have all stopped.
    /// - Returns: the batch after the call and whether this call started the cancel; `nil` when
    ///   there is no such batch for `clientID`.
    public func cancel(id: Int64, clientID: Int64?) async throws -> (batch: BatchRecord, started: Bool)? {
        let started = try await client.transaction { connection -> Bool in
            let rows = try connection.query(
                """
                UPDATE switchyard.batches SET status = 'cancelling', cancelling_at = now()
                WHERE id = $1 AND ($2::bigint IS NULL OR client_id = $2) AND status IN ('validating', 'in_progress')
                RETURNING id
                """, [id, clientID])
            guard !rows.isEmpty else { return false }
            _ = try JobQueue.cancelJobs(inBatch: id, error: BatchService.cancelledError, on: connection)
            _ = try connection.query("SELECT pg_notify($1, $2)", [Self.channel, String(id)])
            return true
        }
        return try await batch(id: id, clientID: clientID).map { ($0, started) }
    }

    /// How far the jobs of batch `id` have come, for progress bars.
    public func progress(id: Int64) async throws -> BatchProgress? {
        let rows = try await client.query(
            """
            SELECT b.status, b.request_total,
                   count(j.id) FILTER (WHERE j.state = 'succeeded') AS succeeded,
                   count(j.id) FILTER (WHERE j.state = 'failed') AS failed,
                   count(j.id) FILTER (WHERE j.state = 'cancelled') AS cancelled,
                   count(j.id) FILTER (WHERE j.state = 'running') AS running
            FROM switchyard.batches b LEFT JOIN switchyard.jobs j ON j.batch_id = b.id
            WHERE b.id = $1 GROUP BY b.id
            """, [id])
        guard let row = rows.first, let status = row.string("status").flatMap(BatchStatus.init) else { return nil }
        return BatchProgress(status: status, total: row.int("request_total") ?? 0, succeeded: row.int("succeeded") ?? 0,
                             failed: row.int("failed") ?? 0, cancelled: row.int("cancelled") ?? 0,
                             running: row.int("running") ?? 0)
    }
}
