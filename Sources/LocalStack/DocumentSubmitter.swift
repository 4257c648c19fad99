import Foundation
import Providers
import Queue

/// Turns text and Markdown documents into chat-completion jobs, one per document.
///
/// For now each document is an ordinary job (`jobs.options.metadata` names the file and the task).
/// When `switchyard docs submit PATH --task TASK` lands (the docs batch, one job per document
/// under a batch id), `submit` calls it instead and returns its batch id; the demo reads jobs by
/// their ids either way.
struct DocumentSubmitter: Sendable {
    /// What to ask of each document.
    enum Task: String, Sendable, CaseIterable {
        case summarize, extract, classify

        var instruction: String {
            switch self {
            case .summarize:
                "Summarize this document for a busy executive in three sentences: what it is, the key figures, and what needs to happen next."
            case .extract:
                "Extract the parties, dates, amounts and obligations from this document as a JSON object with the keys parties, dates, amounts, obligations."
            case .classify:
                "Classify this document as one of: invoice, contract, support_ticket, meeting_notes, report, policy, other. Answer with the label and one sentence of justification."
            }
        }
    }

    /// A document read from disk.
    struct Document: Sendable {
        let name: String
        let text: String
    }

    /// What one submission made.
    struct Submitted: Sendable {
        /// The docs batch, once submissions go through it; nil for plain jobs.
        let batchID: Int64?
        /// Job ids in the order of the documents.
        let jobIDs: [Int64]
    }

    /// Documents larger than this are refused by name.
    static let maxDocumentBytes = 256 * 1024

    let queue: JobQueue

    /// The `.txt` and `.md` files of `folder`, by name.
    /// - Throws: ``LocalStackError`` for an unreadable folder, an oversized or non-UTF-8 file, or no documents.
    static func documents(in folder: String) throws -> [Document] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw LocalStackError("cannot read the documents folder \(folder)")
        }
        var documents: [Document] = []
        for name in names.sorted() where name.hasSuffix(".txt") || name.hasSuffix(".md") {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw LocalStackError("cannot read \(path)") }
            guard data.count <= maxDocumentBytes else {
                throw LocalStackError("\(path) is \(data.count) bytes; documents of at most \(maxDocumentBytes) bytes are accepted")
            }
            guard let text = String(data: data, encoding: .utf8), !text.contains("\u{0}") else {
                throw LocalStackError("\(path) is not UTF-8 text")
            }
            documents.append(Document(name: name, text: text))
        }
        if documents.isEmpty { throw LocalStackError("no .txt or .md documents in \(folder)") }
        return documents
    }

    /// Enqueues one job per document on `route`.
    func submit(_ documents: [Document], task: Task, route: String) async throws -> Submitted {
        let jobs = documents.map { document in
            var job = NewJob(route: route, request: Self.request(for: document, task: task, route: route))
            job.options = JSONValue.object([
                "metadata": .object(["document": .string(document.name), "task": .string(task.rawValue)])
            ]).description
            return job
        }
        let enqueued = try await queue.enqueue(jobs)
        return Submitted(batchID: nil, jobIDs: enqueued.map(\.id))
    }

    /// The chat request for one document: the task as the system message, the document as the user's.
    static func request(for document: Document, task: Task, route: String) -> String {
        JSONValue.object([
            "model": .string(route),
            "messages": .array([
                .object(["role": "system", "content": .string(task.instruction)]),
                .object(["role": "user", "content": .string("Document: \(document.name)\n\n\(document.text)")]),
            ]),
        ]).description
    }
}
