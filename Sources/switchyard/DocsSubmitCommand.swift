#if canImport(Glibc)
import Glibc
#endif
import API
import Foundation
import Postgres
import Queue

/// `switchyard docs submit PATH... --task TASK`: one job per document in a batch of kind `docs`.
enum DocsSubmitCommand: Command {
    static let spec = CommandSpec(
        name: "docs submit",
        summary: "Submit text and Markdown documents as one batch (summarize, extract, classify)",
        arguments: "PATH...",
        options: [
            .value("--task", "TASK", "summarize, extract or classify (picks examples/templates/TASK.md)"),
            .value("--template", "FILE", "Prompt template instead of the task's stock one ({{document}} and {{name}} placeholders)"),
            .value("--model", "ROUTE", "Route every job asks for (default auto)"),
            .value("--max-bytes", "N", "Largest document accepted, in bytes (default 262144)"),
            .flag("--no-wait", "Print the batch id and exit without waiting for the jobs"),
            .json,
            .databaseURL,
        ],
        discussion: """
            Folders are walked (hidden files skipped). A binary, empty or oversized file is refused by name and nothing
            is submitted. Prints the batch id; unless --no-wait, shows progress on stderr until every document is done
            and exits 1 when one failed. Export the answers with 'switchyard results BATCH'.
            Stock templates are looked up in SWITCHYARD_TEMPLATES, ./examples/templates, then the repository's.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        if arguments.positionals.isEmpty { throw UsageError("'switchyard docs submit' needs at least one PATH") }
        guard let task = arguments.string("--task") else {
            throw UsageError("option '--task' is required (\(PromptTemplate.tasks.joined(separator: ", ")))")
        }
        guard PromptTemplate.tasks.contains(task) else {
            throw UsageError("option '--task' expects one of \(PromptTemplate.tasks.joined(separator: ", ")), got '\(task)'")
        }
        let model = arguments.string("--model") ?? "auto"
        if model.isEmpty { throw UsageError("option '--model' must not be empty") }
        var collector = DocumentCollector()
        collector.maxDocumentBytes = try arguments.int("--max-bytes", default: collector.maxDocumentBytes, range: 1...(1 << 20))
        let template: PromptTemplate
        do {
            if let path = arguments.string("--template") {
                template = try PromptTemplate.load(path: path)
            } else {
                template = try PromptTemplate.stock(task: task)
            }
        } catch {
            throw CommandFailure(error.description)
        }
        let documents: [DocumentCollector.Document]
        do {
            documents = try collector.collect(arguments.positionals)
        } catch {
            throw CommandFailure(error.description)
        }

        let configuration = DatabaseOptions.configuration(arguments)
        let client = DatabaseOptions.client(arguments, maxConnections: 2)
        defer { client.shutdown() }
        let batchID: Int64
        do {
            batchID = try await DocumentBatch.submit(documents, template: template, task: task, model: model, client: client)
        } catch let problem as DocumentBatch.Problem {
            throw CommandFailure(problem.description)
        }
        printError("submitted \(documents.count) document\(documents.count == 1 ? "" : "s") as batch \(batchID) (task \(task), model \(model))")
        if arguments.flag("--no-wait") {
            report(batchID, documents: documents.count, progress: nil, json: arguments.flag("--json"))
            return 0
        }
        printError("waiting (Ctrl-C stops waiting, not the batch; 'switchyard results \(batchID)' exports the answers)")
        let progress = try await waitForBatch(batchID, client: client, listenerConfiguration: configuration)
        report(batchID, documents: documents.count, progress: progress, json: arguments.flag("--json"))
        return progress.succeeded == progress.total ? 0 : 1
    }

    /// Shows a progress bar until every job of the batch is finished, then makes sure the batch
    /// is finalized (workers and servers normally do it first).
    static func waitForBatch(_ id: Int64, client: PostgresClient, listenerConfiguration: PostgresConfiguration) async throws
        -> BatchProgress {
        let store = BatchStore(client: client)
        let wake = WakeSignal()
        let notifier = QueueNotifier(configuration: listenerConfiguration, channels: [JobQueue.finishedChannel])
        let listening = Task { await notifier.run { _ in wake.signal() } }
        defer {
            notifier.stop()
            listening.cancel()
        }
        await notifier.waitUntilListening()
        let bar = ProgressBar()
        let service = BatchService(client: client, listenerConfiguration: nil)
        while true {
            guard var progress = try await store.progress(id: id) else { throw CommandFailure("batch \(id) disappeared") }
            bar.show(progress)
            if progress.finished >= progress.total && !progress.status.isTerminal {
                // Every job is done; finalize unless another process is doing it right now (then
                // its lock makes this pass skip the batch, and the next look sees it finished).
                try await service.runOnce()
                progress = try await store.progress(id: id) ?? progress
            }
            if progress.status.isTerminal {
                bar.finish(progress)
                return progress
            }
            await wake.wait(timeoutMs: progress.finished >= progress.total ? 100 : 500)
        }
    }

    static func report(_ id: Int64, documents: Int, progress: BatchProgress?, json: Bool) {
        guard json else {
            print(id)
            return
        }
        var object: [String: Any] = ["batch_id": String(id), "documents": documents]
        if let progress {
            object["status"] = progress.status.rawValue
            object["succeeded"] = progress.succeeded
            object["failed"] = progress.failed + progress.cancelled
        } else {
            object["status"] = BatchStatus.inProgress.rawValue
        }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
