import Gateway
import Postgres
import Providers
import Queue

/// A batch of kind `docs`: one chat-completion job per document, its prompt rendered from a
/// template, created by `switchyard docs submit`. The jobs carry the batch id and the document's
/// name as `custom_id`; batch services finalize the batch like any other (no files are written:
/// `switchyard results` reads the jobs and the usage ledger).
public enum DocumentBatch {
    /// Why a submission was refused before anything was enqueued.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Creates the batch and its jobs in one transaction (all or nothing), `in_progress` at once.
    /// - Parameters:
    ///   - model: the route every job asks for; when a gateway config is stored it must know it.
    ///   - priority: of every job; below interactive work by default.
    /// - Returns: the new batch's id.
    /// - Throws: ``Problem`` for an unknown model or a prompt over `maxPromptBytes`; database errors.
    public static func submit(_ documents: [DocumentCollector.Document], template: PromptTemplate, task: String,
                              model: String, priority: Int = BatchSettings().jobPriority,
                              maxPromptBytes: Int = BatchSettings().maxRequestBytes,
                              client: PostgresClient) async throws -> Int64 {
        if let config = try await GatewayConfigStore(client: client).latest()?.config, config.route(named: model) == nil {
            throw Problem(description: "the model '\(model)' does not exist in the applied config (known: \(config.publicModelNames.joined(separator: ", "))); give --model ROUTE")
        }
        var jobs: [NewJob] = []
        jobs.reserveCapacity(documents.count)
        for document in documents {
            let prompt = template.render(name: document.name, document: document.text)
            let request: JSONValue = ["model": .string(model), "messages": [["role": "user", "content": .string(prompt)]]]
            let text = String(decoding: request.serialized(), as: UTF8.self)
            if text.utf8.count > maxPromptBytes {
                throw Problem(description: "\(document.name): the prompt is \(text.utf8.count) bytes, over the limit of \(maxPromptBytes)")
            }
            var job = NewJob(route: model, request: text)
            job.priority = priority
            job.customID = document.name
            jobs.append(job)
        }
        let metadata: JSONValue = ["task": .string(task), "model": .string(model), "template": .string(template.source)]
        let submitted = jobs
        return try await client.transaction { connection -> Int64 in
            let rows = try connection.query(
                """
                INSERT INTO switchyard.batches (kind, status, metadata, request_total, in_progress_at)
                VALUES ('docs', 'in_progress', $1::jsonb, $2, now())
                RETURNING id
                """, [PostgresJSON(bytes: metadata.serialized()), submitted.count])
            guard let id = rows.first?.int64("id") else {
                throw PostgresError(code: .badResult, message: "batch insert returned no id")
            }
            _ = try JobQueue.enqueue(submitted.map { job in
                var job = job
                job.batchID = id
                return job
            }, on: connection)
            return id
        }
    }
}
