import Foundation
import Providers

/// The OpenAI `batch` and `file` objects a client sees (ids as strings, times as Unix seconds).
enum BatchView {
    static func json(_ batch: BatchRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(String(batch.id)),
            "object": "batch",
            "endpoint": .string(batch.endpoint),
            "errors": batch.errors.flatMap { try? JSONValue.parse($0) } ?? .null,
            "input_file_id": id(batch.inputFileID),
            "completion_window": .string(batch.completionWindow),
            "status": .string(batch.status.rawValue),
            "output_file_id": id(batch.outputFileID),
            "error_file_id": id(batch.errorFileID),
            "created_at": seconds(batch.createdAt),
            "request_counts": ["total": .int(batch.total), "completed": .int(batch.completed), "failed": .int(batch.failed)],
            "metadata": (try? JSONValue.parse(batch.metadata)) ?? .null,
        ]
        let times: [(String, Date?)] = [
            ("in_progress_at", batch.inProgressAt), ("expires_at", batch.expiresAt), ("finalizing_at", batch.finalizingAt),
            ("completed_at", batch.completedAt), ("failed_at", batch.failedAt), ("expired_at", batch.expiredAt),
            ("cancelling_at", batch.cancellingAt), ("cancelled_at", batch.cancelledAt),
        ]
        for (key, date) in times { object[key] = seconds(date) }
        return .object(object)
    }

    /// A file object. Error files show purpose `batch_output`, as OpenAI's do.
    static func json(_ file: FileRecord) -> JSONValue {
        [
            "id": .string(String(file.id)),
            "object": "file",
            "bytes": .int(file.bytes),
            "created_at": seconds(file.createdAt),
            "filename": .string(file.filename),
            "purpose": .string(file.purpose == "batch_error" ? "batch_output" : file.purpose),
            "status": "processed",
            "status_details": .null,
            "expires_at": .null,
        ]
    }

    static func list(_ data: [JSONValue], hasMore: Bool) -> JSONValue {
        [
            "object": "list", "data": .array(data), "has_more": .bool(hasMore),
            "first_id": data.first?["id"] ?? .null, "last_id": data.last?["id"] ?? .null,
        ]
    }

    private static func id(_ value: Int64?) -> JSONValue {
        value.map { .string(String($0)) } ?? .null
    }

    private static func seconds(_ date: Date?) -> JSONValue {
        date.map { .int(Int($0.timeIntervalSince1970)) } ?? .null
    }
}
