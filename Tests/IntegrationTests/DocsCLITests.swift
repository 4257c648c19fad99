import Foundation
import Postgres
import Testing
import TestSupport

/// `switchyard docs submit` and `switchyard results` through the binary, on temporary folders of
/// sample documents, with `switchyard worker` processes running the jobs.
@Suite struct DocsCLITests {
    func run(_ arguments: [String], url: String) async throws -> (code: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(switchyardBinary, arguments, environment: ["SWITCHYARD_DATABASE_URL": url])
    }

    /// A folder with two top-level documents, one in a subfolder and a hidden file that is skipped.
    func sampleFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("2024"), withIntermediateDirectories: true)
        try "# Invoice 17\n\nAmount due: 1,200 EUR by 2024-03-01.\n".write(
            to: folder.appendingPathComponent("invoice.md"), atomically: true, encoding: .utf8)
        try "Meeting notes: the team agreed to \"ship on Friday\".\nNext review in May.\n".write(
            to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "Quarterly report, Q1 2024: revenue up 12%.\n".write(
            to: folder.appendingPathComponent("2024/report.md"), atomically: true, encoding: .utf8)
        try Data([0, 1, 2]).write(to: folder.appendingPathComponent(".DS_Store"))
        return folder
    }

    @Test func submitWorkAndExportResultsAsJSONLAndCSV() async throws {
        let url = try await TestDatabase.create()
        let folder = try sampleFolder()
        let submitted = try await run(["docs", "submit", folder.path, "--task", "summarize", "--model", "echo-model", "--no-wait"], url: url)
        #expect(submitted.code == 0, "\(submitted.stderr)")
        let batch = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(batch) != nil, "stdout is the batch id: \(submitted.stdout)")
        #expect(submitted.stderr.contains("submitted 3 documents as batch \(batch)"))

        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let jobs = try await client.query(
            "SELECT custom_id, priority, request FROM switchyard.jobs WHERE batch_id = $1 ORDER BY id", [Int64(batch)!])
        let names = ["2024/report.md", "invoice.md", "notes.txt"].map { folder.path + "/" + $0 }
        #expect(jobs.map { $0.string("custom_id") ?? "" } == names)
        #expect(jobs.allSatisfy { $0.int("priority") == -10 })
        let kind = try await client.query("SELECT kind, status FROM switchyard.batches WHERE id = $1", [Int64(batch)!]).first
        #expect(kind?.string("kind") == "docs" && kind?.string("status") == "in_progress")

        let worker = try await run(["worker", "--drain", "--executor", "echo", "--poll-ms", "50"], url: url)
        #expect(worker.code == 0, "\(worker.stderr)")
        let status = try await client.query("SELECT status FROM switchyard.batches WHERE id = $1", [Int64(batch)!]).first
        #expect(status?.string("status") == "completed", "a draining worker finalizes the batches it finished")

        let jsonl = try await run(["results", batch], url: url)
        #expect(jsonl.code == 0, "\(jsonl.stderr)")
        let rows = try jsonl.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rows.map { $0["file"] as? String ?? "" } == names)
        #expect(rows.allSatisfy { $0["status"] as? String == "succeeded" && $0["model"] as? String == "echo-model" })
        // The echo executor answers with the prompt: the stock template wrapped around the document.
        let answer = try #require(rows[1]["answer"] as? String)
        #expect(answer.contains("Summarize the document below"))
        #expect(answer.contains("Amount due: 1,200 EUR by 2024-03-01."))
        #expect(answer.contains("Document: \(names[1])"))
        #expect(rows.allSatisfy { ($0["total_tokens"] as? Int ?? 0) > 0 && $0["cost_usd"] as? Double == 0 })

        let csv = try await run(["results", batch, "--format", "csv"], url: url)
        #expect(csv.code == 0)
        let records = CSV.parse(csv.stdout)
        #expect(records.first == ["file", "status", "model", "prompt_tokens", "completion_tokens", "total_tokens", "cost_usd", "answer", "error"])
        #expect(records.count == 4)
        #expect(records.dropFirst().map { $0[0] } == names)
        #expect(records[3][7].contains("\"ship on Friday\""), "quotes and line breaks survive the CSV round trip")
        #expect(records[3][7].contains("\nNext review in May."))

        let missing = try await run(["results", "999999"], url: url)
        #expect(missing.code == 1)
        #expect(missing.stderr.contains("no batch 999999"))
    }

    @Test func anLLMWorkerAnswersTheDocumentsWithModelsTokensAndCost() async throws {
        let url = try await TestDatabase.create()
        let environment = ["SWITCHYARD_DATABASE_URL": url]
        let mock = try await MockProviderChild.start()
        defer { mock.stop() }
        try await mock.applyExampleConfig(url: url)

        let unknown = try await run(["docs", "submit", try sampleFolder().path, "--task", "summarize", "--model", "nope"], url: url)
        #expect(unknown.code == 1)
        #expect(unknown.stderr.contains("the model 'nope' does not exist"))

        // The default model is the example config's `auto` (complexity) route.
        let submitted = try await run(["docs", "submit", try sampleFolder().path, "--task", "summarize", "--no-wait"], url: url)
        #expect(submitted.code == 0, "\(submitted.stderr)")
        let batch = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worker = try await ChildProcess.run(switchyardBinary, ["worker", "--executor", "llm", "--drain", "--poll-ms", "50"],
                                                environment: environment)
        #expect(worker.code == 0, "\(worker.stderr)")
        let results = try await run(["results", batch], url: url)
        let rows = try results.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rows.count == 3)
        let known = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet"]
        for row in rows {
            #expect(row["status"] as? String == "succeeded", "\(row)")
            #expect(known.contains(row["model"] as? String ?? ""), "\(row)")
            #expect((row["prompt_tokens"] as? Int ?? 0) > 0 && (row["completion_tokens"] as? Int ?? 0) > 0)
            #expect((row["cost_usd"] as? Double ?? 0) > 0)
            #expect((row["answer"] as? String)?.isEmpty == false)
        }
        // Tokens and cost are the ledger's.
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let ledger = try await client.query(
            """
            SELECT sum(a.prompt_tokens) AS prompt, sum(a.cost_usd)::float8 AS cost
            FROM switchyard.attempts a JOIN switchyard.jobs j ON j.id = a.job_id WHERE j.batch_id = $1
            """, [Int64(batch)!]).first
        #expect(ledger?.int("prompt") == rows.reduce(0) { $0 + ($1["prompt_tokens"] as? Int ?? 0) })
        let exported = rows.reduce(0.0) { $0 + ($1["cost_usd"] as? Double ?? 0) }
        #expect(abs((ledger?.double("cost") ?? 0) - exported) < 1e-9)
    }

    @Test func submitWaitsWithAProgressBarUntilTheBatchIsDone() async throws {
        let url = try await TestDatabase.create()
        let folder = try sampleFolder()
        let submit = try ChildProcess(switchyardBinary, ["docs", "submit", folder.path, "--task", "classify", "--model", "echo-model", "--json"],
                                      environment: ["SWITCHYARD_DATABASE_URL": url])
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        try await waitFor { try await client.query("SELECT 1 FROM switchyard.jobs").count == 3 }
        let worker = try await run(["worker", "--drain", "--executor", "echo", "--poll-ms", "50"], url: url)
        #expect(worker.code == 0, "\(worker.stderr)")
        #expect(await submit.wait(timeoutMs: 30_000) == .exited(0), "\(submit.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(submit.standardOutput.utf8)) as? [String: Any])
        #expect(report["status"] as? String == "completed")
        #expect(report["documents"] as? Int == 3 && report["succeeded"] as? Int == 3 && report["failed"] as? Int == 0)
        #expect(submit.standardError.contains("3/3 documents"), "\(submit.standardError)")
        #expect(submit.standardError.contains("batch completed"))
    }

    @Test func aBinaryFileIsRefusedByNameAndNothingIsSubmitted() async throws {
        let url = try await TestDatabase.create()
        let folder = try sampleFolder()
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).write(to: folder.appendingPathComponent("scan.png"))
        try String(repeating: "long line\n", count: 100).write(to: folder.appendingPathComponent("big.txt"), atomically: true, encoding: .utf8)
        let refused = try await run(["docs", "submit", folder.path, "--task", "extract", "--max-bytes", "500"], url: url)
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("\(folder.path)/scan.png: binary"), "\(refused.stderr)")
        #expect(refused.stderr.contains("\(folder.path)/big.txt: 1000 bytes, over the limit of 500"))
        #expect(refused.stderr.contains("nothing was submitted"))
        #expect(!refused.stderr.contains(".DS_Store"))
        #expect(refused.stdout.isEmpty)
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        #expect(try await client.query("SELECT (SELECT count(*) FROM switchyard.jobs) + (SELECT count(*) FROM switchyard.batches)").first?[0] == "0")
    }

    @Test(arguments: [
        (["docs", "submit", "--task", "summarize"], 2, "needs at least one PATH"),
        (["docs", "submit", "/tmp", "--task", "translate"], 2, "expects one of summarize, extract, classify"),
        (["docs", "submit", "/tmp"], 2, "'--task' is required"),
        (["docs", "submit", "/no/such/folder", "--task", "summarize"], 1, "/no/such/folder: no such file or folder"),
        (["results", "abc"], 2, "is not a batch id"),
        (["results", "1", "--format", "xml"], 2, "expects one of jsonl, csv"),
    ])
    func badInvocations(arguments: [String], code: Int32, message: String) async throws {
        let url = try await TestDatabase.create()
        let result = try await run(arguments, url: url)
        #expect(result.code == code, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func aTemplateFileIsUsedAndMustHaveADocumentPlaceholder() async throws {
        let url = try await TestDatabase.create()
        let folder = try sampleFolder()
        let template = folder.appendingPathComponent("template.txt")
        try "No placeholder here.".write(to: template, atomically: true, encoding: .utf8)
        let refused = try await run(["docs", "submit", folder.appendingPathComponent("notes.txt").path, "--task", "summarize",
                                     "--template", template.path, "--model", "echo-model", "--no-wait"], url: url)
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("no {{document}} placeholder"))

        try "File {{name}}, in one word: {{document}}".write(to: template, atomically: true, encoding: .utf8)
        let notes = folder.appendingPathComponent("notes.txt").path
        let submitted = try await run(["docs", "submit", notes, "--task", "summarize", "--template", template.path,
                                       "--model", "echo-model", "--no-wait"], url: url)
        #expect(submitted.code == 0, "\(submitted.stderr)")
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        let content = try await client.query("SELECT request->'messages'->0->>'content' FROM switchyard.jobs").first?[0]
        #expect(content?.hasPrefix("File \(notes), in one word: Meeting notes") == true)
    }

    private func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<1_500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 30 s")
    }
}

/// A small RFC 4180 reader for checking CSV output.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = scalars.next() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" {
                quoted = true
            } else if scalar == "," {
                record.append(field)
                field = ""
            } else if scalar == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else if scalar != "\r" {
                field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
        return records
    }
}
