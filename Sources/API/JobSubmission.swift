import Foundation
import Providers
import Queue

/// A `POST /v1/jobs` or `/v1/chat/completions` body read and checked before anything is enqueued:
/// a chat-completions request plus the gateway's own members (`priority`, `queue`, `metadata`,
/// `cache`, `deadline`), which are taken out of the request the worker sees.
struct JobSubmission: Sendable {
    var request: ChatRequest
    var priority: Int?
    var queue: String?
    var deadline: Date?
    /// The `options` JSON object stored with the job (cache, metadata, deadline).
    var options: JSONValue

    static let gatewayKeys: Set<String> = ["priority", "queue", "metadata", "cache", "deadline"]

    /// - Throws: `APIError` 415 for a body that is not declared JSON, 400 naming the member otherwise.
    init(body: [UInt8], contentType: String?) throws(APIError) {
        let mediaType = contentType?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            throw APIError(415, "Content-Type must be application/json, got '\(contentType ?? "none")'",
                           code: "unsupported_media_type")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(body)
        } catch {
            throw APIError(400, "the body is not valid JSON: \(error.description)", code: "invalid_json")
        }
        try self.init(document: document)
    }

    /// Reads an already parsed body (a batch input line's `body`).
    /// - Throws: `APIError` 400 naming the member.
    init(document: JSONValue) throws(APIError) {
        guard case .object(var members) = document else {
            throw APIError(400, "the body must be a JSON object", code: "invalid_json")
        }
        var gateway: [String: JSONValue] = [:]
        for key in Self.gatewayKeys { gateway[key] = members.removeValue(forKey: key) }
        do {
            request = try ChatRequest(json: .object(members))
            try request.validate()
        } catch {
            throw APIError.invalid(error)
        }
        for (index, message) in request.messages.enumerated() where message.role != .assistant {
            if case .text(let text)? = message.content, text.isEmpty {
                throw APIError(400, "messages[\(index)].content: must not be empty", code: "invalid_value",
                               param: "messages[\(index)].content")
            }
        }
        var options: [String: JSONValue] = [:]
        switch gateway["priority"] {
        case nil, .null?: priority = nil
        case .int(let value)? where (-1_000...1_000).contains(value): priority = value
        case let other?: throw Self.invalid("priority", "must be an integer between -1000 and 1000", other)
        }
        switch gateway["queue"] {
        case nil, .null?: queue = nil
        case .string(let value)? where !value.isEmpty && value.utf8.count <= 64: queue = value
        case let other?: throw Self.invalid("queue", "must be a non-empty string of at most 64 bytes", other)
        }
        switch gateway["metadata"] {
        case nil, .null?: break
        case .object(let value)?:
            guard value.count <= 16, value.values.allSatisfy({ $0.stringValue.map { $0.utf8.count <= 512 } ?? false }) else {
                throw APIError(400, "metadata: at most 16 members, each a string of at most 512 bytes",
                               code: "invalid_value", param: "metadata")
            }
            options["metadata"] = .object(value)
        case let other?: throw Self.invalid("metadata", "must be an object of strings", other)
        }
        switch gateway["cache"] {
        case nil, .null?: break
        case .object(let value)?:
            var cache: [String: JSONValue] = [:]
            for (key, member) in value {
                switch (key, member) {
                case ("ttl_s", .int(let ttl)) where ttl >= 0: cache["ttl_s"] = .int(ttl)
                case ("no_cache", .bool(let flag)): cache["no_cache"] = .bool(flag)
                default:
                    throw APIError(400, "cache.\(key): expected ttl_s (a non-negative integer) or no_cache (a boolean)",
                                   code: "invalid_value", param: "cache.\(key)")
                }
            }
            options["cache"] = .object(cache)
        case let other?: throw Self.invalid("cache", "must be an object like {\"ttl_s\": 600} or {\"no_cache\": true}", other)
        }
        switch gateway["deadline"] {
        case nil, .null?: deadline = nil
        case .string(let text)?:
            guard let date = Self.parseRFC3339(text) else {
                throw APIError(400, "deadline: '\(text)' is not an RFC 3339 timestamp (e.g. 2026-01-31T12:00:00Z)",
                               code: "invalid_value", param: "deadline")
            }
            deadline = date
            options["deadline"] = .string(text)
        case let other?: throw Self.invalid("deadline", "must be an RFC 3339 timestamp string", other)
        }
        self.options = .object(options)
    }

    /// The job to enqueue for `clientID`.
    func newJob(clientID: Int64, idempotencyKey: String?, defaultPriority: Int) -> NewJob {
        var job = NewJob(route: request.model, request: String(decoding: request.json.serialized(), as: UTF8.self))
        job.queue = queue ?? "default"
        job.priority = priority ?? defaultPriority
        job.deadline = deadline
        job.clientID = clientID
        job.idempotencyKey = idempotencyKey
        job.options = String(decoding: options.serialized(), as: UTF8.self)
        return job
    }

    private static func invalid(_ field: String, _ rule: String, _ value: JSONValue) -> APIError {
        APIError(400, "\(field): \(rule), got \(Self.typeName(value))", code: "invalid_value", param: field)
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func parseRFC3339(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
