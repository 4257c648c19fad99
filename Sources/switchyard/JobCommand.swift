import Foundation
import Queue

enum JobCommand: Command {
    static let spec = CommandSpec(
        name: "job", summary: "Show one job: state, attempts, answer or error (--json: all of it, routing trace too)", arguments: "ID", options: [.databaseURL, .json])

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        guard arguments.positionals.count == 1 else { throw UsageError("'switchyard job' takes exactly one job id") }
        let id = try JobIDArgument.parse(arguments.positionals[0])
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        guard let job = try await JobQueue(client: client).job(id: id) else {
            throw CommandFailure("job \(id) not found")
        }
        print(arguments.flag("--json") ? json(job) : text(job))
        return 0
    }

    static func json(_ job: JobRecord) -> String {
        var fields: [(String, String)] = [
            ("id", JSONText.quoted(String(job.id))), ("object", "\"job\""), ("queue", JSONText.quoted(job.queue)),
            ("state", JSONText.quoted(job.state.rawValue)), ("priority", String(job.priority)),
            ("route", JSONText.quoted(job.route)), ("attempt", String(job.attempt)),
            ("max_attempts", String(job.maxAttempts)), ("snoozes", String(job.snoozes)),
            ("run_at", JSONText.quoted(TimeArgument.format(job.runAt))),
            ("created_at", JSONText.quoted(TimeArgument.format(job.createdAt))),
        ]
        func optional(_ name: String, _ value: String?) { fields.append((name, value ?? "null")) }
        optional("deadline", job.deadline.map { JSONText.quoted(TimeArgument.format($0)) })
        optional("attempted_at", job.attemptedAt.map { JSONText.quoted(TimeArgument.format($0)) })
        optional("finished_at", job.finishedAt.map { JSONText.quoted(TimeArgument.format($0)) })
        optional("client_id", job.clientID.map { JSONText.quoted(String($0)) })
        optional("batch_id", job.batchID.map { JSONText.quoted(String($0)) })
        optional("custom_id", job.customID.map(JSONText.quoted))
        optional("idempotency_key", job.idempotencyKey.map(JSONText.quoted))
        fields.append(("cancel_requested", String(job.cancelRequested)))
        optional("worker_id", job.workerID.map(JSONText.quoted))
        fields.append(("request", job.request))
        fields.append(("options", job.options))
        optional("result", job.result)
        optional("error", job.error)
        optional("routing_trace", job.routingTrace)
        return "{" + fields.map { JSONText.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func text(_ job: JobRecord) -> String {
        var lines = [
            "id:        \(job.id)",
            "state:     \(job.state.rawValue)\(job.cancelRequested && !job.state.isTerminal ? " (cancel requested)" : "")",
            "queue:     \(job.queue)  priority \(job.priority)",
            "route:     \(job.route)",
            "attempt:   \(job.attempt - job.snoozes) of \(job.maxAttempts) (claims \(job.attempt), snoozes \(job.snoozes))",
            "created:   \(TimeArgument.format(job.createdAt))",
            "run at:    \(TimeArgument.format(job.runAt))",
        ]
        if let deadline = job.deadline { lines.append("deadline:  \(TimeArgument.format(deadline))") }
        if let finished = job.finishedAt { lines.append("finished:  \(TimeArgument.format(finished))") }
        if let result = job.result { lines.append("result:    \(answer(result) ?? result)") }
        if let error = job.error {
            lines.append("error:     \(JobError(json: error).map { $0.description } ?? error)")
        }
        return lines.joined(separator: "\n")
    }

    /// The assistant's text in a chat.completion, if it has one.
    static func answer(_ result: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]],
              let message = choices.first?["message"] as? [String: Any] else { return nil }
        return message["content"] as? String
    }
}
