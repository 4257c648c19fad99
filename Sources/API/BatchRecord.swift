import Foundation
import Postgres

/// One `switchyard.batches` row with its request counts (read from the batch's jobs while it is
/// open, from the row once it is terminal).
public struct BatchRecord: Sendable {
    public var id: Int64
    public var clientID: Int64?
    /// `openai` (the Batch API) or `docs` (`switchyard docs submit`).
    public var kind: String
    public var status: BatchStatus
    public var endpoint: String
    public var completionWindow: String
    public var inputFileID: Int64?
    public var outputFileID: Int64?
    public var errorFileID: Int64?
    /// A JSON object as text.
    public var metadata: String
    /// `{"object": "list", "data": [...]}` as text once validation failed.
    public var errors: String?
    public var total: Int
    public var completed: Int
    public var failed: Int
    public var createdAt: Date
    public var inProgressAt: Date?
    public var expiresAt: Date?
    public var finalizingAt: Date?
    public var completedAt: Date?
    public var failedAt: Date?
    public var expiredAt: Date?
    public var cancellingAt: Date?
    public var cancelledAt: Date?

    /// The columns `init(row:)` reads, for `FROM switchyard.batches b`.
    static let selectSQL = """
        SELECT b.id, b.client_id, b.kind, b.status, b.endpoint, b.completion_window, b.input_file_id,
               b.output_file_id, b.error_file_id, b.metadata::text AS metadata, b.errors::text AS errors,
               b.request_total, coalesce(c.completed, b.request_completed) AS request_completed,
               coalesce(c.failed, b.request_failed) AS request_failed, b.created_at, b.in_progress_at, b.expires_at,
               b.finalizing_at, b.completed_at, b.failed_at, b.expired_at, b.cancelling_at, b.cancelled_at
        FROM switchyard.batches b
        LEFT JOIN LATERAL (
            SELECT count(*) FILTER (WHERE j.state = 'succeeded') AS completed,
                   count(*) FILTER (WHERE j.state IN ('failed', 'cancelled')) AS failed
            FROM switchyard.jobs j WHERE j.batch_id = b.id
        ) c ON b.status IN \(BatchStatus.openSQL)
        """

    init(row: PostgresRow) throws {
        guard let id = row.int64("id"), let status = row.string("status").flatMap(BatchStatus.init),
              let createdAt = row.date("created_at") else {
            throw PostgresError(code: .badResult, message: "a batch row is incomplete")
        }
        self.id = id
        clientID = row.int64("client_id")
        kind = row.string("kind") ?? "openai"
        self.status = status
        endpoint = row.string("endpoint") ?? ""
        completionWindow = row.string("completion_window") ?? ""
        inputFileID = row.int64("input_file_id")
        outputFileID = row.int64("output_file_id")
        errorFileID = row.int64("error_file_id")
        metadata = row.string("metadata") ?? "{}"
        errors = row.string("errors")
        total = row.int("request_total") ?? 0
        completed = row.int("request_completed") ?? 0
        failed = row.int("request_failed") ?? 0
        self.createdAt = createdAt
        inProgressAt = row.date("in_progress_at")
        expiresAt = row.date("expires_at")
        finalizingAt = row.date("finalizing_at")
        completedAt = row.date("completed_at")
        failedAt = row.date("failed_at")
        expiredAt = row.date("expired_at")
        cancellingAt = row.date("cancelling_at")
        cancelledAt = row.date("cancelled_at")
    }
}
