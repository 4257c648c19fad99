import API
import Foundation
import Postgres

/// The demo's document submissions, exactly as `switchyard docs submit PATH --task TASK --model
/// ROUTE` makes them: the documents collected by ``DocumentCollector``, the task's stock template
/// from `examples/templates`, one batch of kind `docs` with one job per document (``DocumentBatch``).
struct DocumentSubmitter: Sendable {
    /// What one submission made.
    struct Submitted: Sendable {
        let batchID: Int64
        /// Job ids in the order of the documents.
        let jobIDs: [Int64]
    }

    let client: PostgresClient

    /// The documents of `folder` as `docs submit` reads them, named by their path relative to the
    /// current directory when they are inside it (`examples/docs/invoice.md`), else as given.
    /// - Throws: ``LocalStackError`` naming every document that cannot be submitted.
    static func documents(in folder: String) throws -> [DocumentCollector.Document] {
        let current = FileManager.default.currentDirectoryPath + "/"
        let path = folder.hasPrefix(current) ? String(folder.dropFirst(current.count)) : folder
        do {
            return try DocumentCollector().collect([path])
        } catch {
            throw LocalStackError(error.description)
        }
    }

    /// The stock template of `task` (summarize, extract, classify), from the checkout's `examples/templates`.
    static func template(_ task: String) throws -> PromptTemplate {
        do {
            if let url = SourceCheckout.locate("examples/templates/\(task).md") { return try PromptTemplate.load(path: url.path) }
            return try PromptTemplate.stock(task: task)
        } catch {
            throw LocalStackError(error.description)
        }
    }

    /// Submits `documents` as one docs batch on `route`.
    func submit(_ documents: [DocumentCollector.Document], task: String, route: String) async throws -> Submitted {
        let batchID: Int64
        do {
            batchID = try await DocumentBatch.submit(documents, template: try Self.template(task), task: task, model: route, client: client)
        } catch let problem as DocumentBatch.Problem {
            throw LocalStackError(problem.description)
        }
        let rows = try await client.query("SELECT id FROM switchyard.jobs WHERE batch_id = $1 ORDER BY id", [batchID])
        return Submitted(batchID: batchID, jobIDs: rows.compactMap { $0.int64("id") })
    }
}
