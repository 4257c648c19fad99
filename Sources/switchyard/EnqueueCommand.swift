import Foundation
import Postgres
import Queue

enum EnqueueCommand: Command {
    static let spec = CommandSpec(
        name: "enqueue", summary: "Submit chat-completion jobs (one from flags, or a JSONL file)",
        options: [
            .databaseURL,
            .value("--model", "MODEL", "Model (route) to ask"),
            .value("--prompt", "TEXT", "The user message"),
            .value("--message", "ROLE=TEXT", "A message; repeat for a conversation", repeatable: true),
            .value("--system", "TEXT", "A system message, sent first"),
            .value("--file", "FILE", "JSONL of requests {\"model\":..., \"messages\":[...]} ('-' for stdin)"),
            .value("--priority", "N", "Higher runs first (default 0)"),
            .value("--queue", "NAME", "Queue name (default 'default')"),
            .value("--max-attempts", "N", "Failed tries before the job fails (default 5)"),
            .value("--run-at", "TIME", "Not before this RFC 3339 time"),
            .value("--delay-ms", "MS", "Not before this many milliseconds from now"),
            .value("--deadline", "TIME", "Give up after this RFC 3339 time"),
            .value("--idempotency-key", "KEY", "Same key, same job (with --file: KEY-LINE per line)"),
            .value("--metadata", "JSON", "A JSON object stored with the job"),
            .json,
        ],
        discussion: "Prints one job id per line (--json: one object per line). A bad line in --file is named and nothing is enqueued.")

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let template = try jobTemplate(arguments)
        var jobs: [NewJob] = []
        if let file = arguments.string("--file") {
            for flag in ["--model", "--prompt", "--message", "--system"] where !arguments.strings(flag).isEmpty {
                throw UsageError("option '\(flag)' cannot be combined with '--file'")
            }
            jobs = try readFile(file, template: template)
            if jobs.isEmpty { throw UsageError("'\(file)' holds no requests") }
        } else {
            jobs = [try requestFromFlags(arguments, template: template)]
        }

        let client = DatabaseOptions.client(arguments)
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let enqueued = jobs.count == 1 ? [try await queue.enqueue(jobs[0])] : try await queue.enqueue(jobs)
        let json = arguments.flag("--json")
        var out = ""
        for job in enqueued {
            if json {
                out += "{\"id\":\"\(job.id)\",\"state\":\"queued\",\"created\":\(job.created)}\n"
            } else {
                out += "\(job.id)\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        return 0
    }

    /// The settings shared by every job of this invocation.
    static func jobTemplate(_ arguments: ParsedArguments) throws -> NewJob {
        var job = NewJob(route: "", request: "{}")
        job.priority = try arguments.int("--priority", default: 0, range: Int(Int32.min)...Int(Int32.max))
        job.queue = arguments.string("--queue") ?? "default"
        if job.queue.isEmpty { throw UsageError("option '--queue' must not be empty") }
        job.maxAttempts = try arguments.int("--max-attempts", default: 5, range: 1...1_000)
        if let runAt = arguments.string("--run-at") {
            if arguments.string("--delay-ms") != nil { throw UsageError("give either '--run-at' or '--delay-ms', not both") }
            job.runAt = try TimeArgument.parse(runAt, option: "--run-at")
        }
        if let delay = try arguments.int("--delay-ms", range: 0...Int(Int32.max)) {
            job.runAt = Date().addingTimeInterval(Double(delay) / 1_000)
        }
        if let deadline = arguments.string("--deadline") {
            job.deadline = try TimeArgument.parse(deadline, option: "--deadline")
        }
        job.idempotencyKey = arguments.string("--idempotency-key")
        if let metadata = arguments.string("--metadata") {
            guard (try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) is [String: Any] else {
                throw UsageError("option '--metadata' expects a JSON object, got '\(metadata)'")
            }
            job.options = "{\"metadata\":\(metadata)}"
        }
        return job
    }

    static func requestFromFlags(_ arguments: ParsedArguments, template: NewJob) throws -> NewJob {
        guard let model = arguments.string("--model"), !model.isEmpty else {
            throw UsageError("option '--model' is required (or give '--file')")
        }
        var messages: [String] = []
        if let system = arguments.string("--system") {
            messages.append("{\"role\":\"system\",\"content\":\(JSONText.quoted(system))}")
        }
        for message in arguments.strings("--message") {
            guard let equals = message.firstIndex(of: "="), equals != message.startIndex else {
                throw UsageError("option '--message' expects ROLE=TEXT, got '\(message)'")
            }
            let role = String(message[..<equals])
            guard ["system", "user", "assistant", "developer"].contains(role) else {
                throw UsageError("option '--message' has unknown role '\(role)' (system, user, assistant, developer)")
            }
            let text = String(message[message.index(after: equals)...])
            messages.append("{\"role\":\(JSONText.quoted(role)),\"content\":\(JSONText.quoted(text))}")
        }
        if let prompt = arguments.string("--prompt") {
            messages.append("{\"role\":\"user\",\"content\":\(JSONText.quoted(prompt))}")
        }
        if messages.isEmpty { throw UsageError("give '--prompt' or '--message' (or '--file')") }
        var job = template
        job.route = model
        job.request = "{\"model\":\(JSONText.quoted(model)),\"messages\":[\(messages.joined(separator: ","))]}"
        return job
    }

    /// Reads and validates every line before anything is enqueued.
    static func readFile(_ path: String, template: NewJob) throws -> [NewJob] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw UsageError("cannot read file '\(path)'")
            }
            data = contents
        }
        let text = String(decoding: data, as: UTF8.self)
        var jobs: [NewJob] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let model: String
            do {
                model = try ChatRequestValidation.model(ofRequest: trimmed)
            } catch {
                throw CommandFailure("\(path):\(index + 1): \(error.message); nothing was enqueued")
            }
            var job = template
            job.route = model
            job.request = trimmed
            if let key = template.idempotencyKey { job.idempotencyKey = "\(key)-\(index + 1)" }
            jobs.append(job)
        }
        return jobs
    }
}
