import Foundation
import Providers
import Queue

/// The JSON a client sees for one of its jobs (ids as strings, times RFC 3339 UTC).
enum JobView {
    static func json(_ job: JobRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(String(job.id)),
            "object": "job",
            "status": .string(job.state.rawValue),
            "model": .string(job.route),
            "queue": .string(job.queue),
            "priority": .int(job.priority),
            "attempt": .int(job.attempt),
            "cancel_requested": .bool(job.cancelRequested),
            "result": parsed(job.result),
            "error": parsed(job.error),
            "created_at": timestamp(job.createdAt),
            "started_at": timestamp(job.attemptedAt),
            "finished_at": timestamp(job.finishedAt),
            "deadline": timestamp(job.deadline),
        ]
        let options = parsed(job.options)
        object["metadata"] = options["metadata"] ?? .null
        if let batch = job.batchID { object["batch_id"] = .string(String(batch)) }
        return .object(object)
    }

    static func parsed(_ text: String?) -> JSONValue {
        guard let text, let value = try? JSONValue.parse(text) else { return .null }
        return value
    }

    static func timestamp(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .string(formatter.string(from: date))
    }
}
