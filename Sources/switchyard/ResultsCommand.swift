import API
import Foundation

/// `switchyard results BATCH`: one row per request of a batch, as JSON lines or CSV.
enum ResultsCommand: Command {
    static let spec = CommandSpec(
        name: "results",
        summary: "Export a batch's answers per document: file, status, model, tokens, cost, answer",
        arguments: "BATCH",
        options: [
            .value("--format", "FORMAT", "jsonl (default) or csv"),
            .flag("--json", "Same as --format jsonl"),
            .databaseURL,
        ],
        discussion: """
            Rows are in submission order. 'file' is the document's name (a Batch API batch shows its custom_id there);
            tokens and cost add up every provider call of the request, from the usage ledger.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        guard arguments.positionals.count == 1, let text = arguments.positionals.first else {
            throw UsageError("'switchyard results' takes exactly one BATCH id")
        }
        guard let id = Int64(text), id > 0 else { throw UsageError("'\(text)' is not a batch id") }
        let format = try arguments.choice("--format", ["jsonl", "csv"], default: "jsonl")
        if arguments.flag("--json") && format != "jsonl" { throw UsageError("give either '--json' or '--format csv', not both") }
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        guard let batch = try await BatchStore(client: client).batch(id: id, clientID: nil) else {
            throw CommandFailure("no batch \(id)")
        }
        if format == "csv" { FileHandle.standardOutput.write(Data((BatchResults.csvHeader + "\n").utf8)) }
        try await BatchResults(client: client).forEachRow(batchID: id) { rows in
            var out = ""
            for row in rows { out += (format == "csv" ? BatchResults.csv(row) : BatchResults.json(row)) + "\n" }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
        printError("batch \(id): \(batch.status.rawValue), \(batch.total) request\(batch.total == 1 ? "" : "s")")
        return 0
    }
}
