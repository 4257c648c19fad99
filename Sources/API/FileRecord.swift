import Foundation
import Postgres

/// One `switchyard.files` row without its content.
public struct FileRecord: Sendable {
    public var id: Int64
    public var clientID: Int64?
    /// `batch` (uploaded), `batch_output` or `batch_error` (written when a batch finalizes).
    public var purpose: String
    public var filename: String
    public var bytes: Int
    public var createdAt: Date

    static let selectSQL = "SELECT id, client_id, purpose, filename, bytes, created_at FROM switchyard.files"

    init(row: PostgresRow) throws {
        guard let id = row.int64("id"), let createdAt = row.date("created_at") else {
            throw PostgresError(code: .badResult, message: "a file row is incomplete")
        }
        self.id = id
        clientID = row.int64("client_id")
        purpose = row.string("purpose") ?? ""
        filename = row.string("filename") ?? ""
        bytes = row.int("bytes") ?? 0
        self.createdAt = createdAt
    }
}
