import Foundation
import Postgres
import Queue
import Testing
import TestSupport

/// The `switchyard` binary end to end: arguments, output, exit codes.
@Suite struct CLITests {
    func run(_ arguments: [String], url: String) async throws -> (code: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(switchyardBinary, arguments, environment: ["SWITCHYARD_DATABASE_URL": url])
    }

    @Test func badFlagExitsTwoNamingIt() async throws {
        let result = try await ChildProcess.run(switchyardBinary, ["enqueue", "--model", "m", "--bogus-flag", "1"])
        #expect(result.code == 2)
        #expect(result.stderr.contains("--bogus-flag"))
        let worker = try await ChildProcess.run(switchyardBinary, ["worker", "--concurrency", "zero"])
        #expect(worker.code == 2)
        #expect(worker.stderr.contains("--concurrency"))
    }

    @Test func aBadJSONLLineIsNamedAndNothingIsEnqueued() async throws {
        let url = try await TestDatabase.create()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).jsonl")
        try """
            {"model": "m", "messages": [{"role": "user", "content": "one"}]}
            {"model": "m", "messages": [{"role": "user", "content": "two"}]}
            {"model": "m", "messages": "not an array"}
            {"model": "m", "messages": [{"role": "user", "content": "four"}]}
            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await run(["enqueue", "--file", file.path], url: url)
        #expect(result.code != 0)
        #expect(result.stderr.contains(":3:"))
        #expect(result.stdout.isEmpty)
        let client = TestDatabase.client(url)
        defer { client.shutdown() }
        #expect(try await client.query("SELECT count(*) FROM switchyard.jobs").first?[0] == "0")
    }

    @Test func enqueueWorkWaitAndShowAJob() async throws {
        let url = try await TestDatabase.create()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ok-\(UUID().uuidString).jsonl")
        try """
            {"model": "gpt-a", "messages": [{"role": "user", "content": "first"}]}

            {"model": "gpt-b", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "second"}]}
            """.write(to: file, atomically: true, encoding: .utf8)
        let bulk = try await run(["enqueue", "--file", file.path], url: url)
        #expect(bulk.code == 0)
        let bulkIDs = bulk.stdout.split(separator: "\n").map(String.init)
        #expect(bulkIDs.count == 2)
        let single = try await run(
            ["enqueue", "--model", "gpt-c", "--system", "be brief", "--prompt", "say \"hi\"", "--priority", "3",
             "--metadata", "{\"doc\": 7}", "--json"], url: url)
        #expect(single.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? String)
        let ids = bulkIDs + [id]

        let timedOut = try await run(["wait", "--timeout", "0.2"] + ids, url: url)
        #expect(timedOut.code == 1)

        let worker = try await run(["worker", "--drain", "--executor", "echo", "--poll-ms", "50"], url: url)
        #expect(worker.code == 0, "\(worker.stderr)")

        let waited = try await run(["wait", "--timeout", "10"] + ids, url: url)
        #expect(waited.code == 0)
        #expect(waited.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix(" succeeded") })

        let shown = try await run(["job", id, "--json"], url: url)
        #expect(shown.code == 0)
        let job = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(job["id"] as? String == id)
        #expect(job["state"] as? String == "succeeded")
        #expect(job["priority"] as? Int == 3)
        let result = try #require(job["result"] as? [String: Any])
        #expect(result["object"] as? String == "chat.completion")
        #expect(result["model"] as? String == "gpt-c")
        let message = (result["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
        #expect(message?["content"] as? String == "say \"hi\"")

        let missing = try await run(["job", "999999"], url: url)
        #expect(missing.code == 1)
    }

    @Test func cancelAQueuedJobAndWaitReportsIt() async throws {
        let url = try await TestDatabase.create()
        let enqueued = try await run(["enqueue", "--model", "m", "--prompt", "x", "--delay-ms", "60000"], url: url)
        let id = enqueued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let cancelled = try await run(["cancel", id], url: url)
        #expect(cancelled.code == 0)
        #expect(cancelled.stdout.contains("cancelled"))
        let waited = try await run(["wait", id], url: url)
        #expect(waited.code == 1)
        #expect(waited.stdout.contains("cancelled"))
    }

    @Test func idempotencyKeyFromTheCommandLine() async throws {
        let url = try await TestDatabase.create()
        let first = try await run(["enqueue", "--model", "m", "--prompt", "x", "--idempotency-key", "k"], url: url)
        let second = try await run(["enqueue", "--model", "m", "--prompt", "x", "--idempotency-key", "k"], url: url)
        #expect(first.code == 0 && second.code == 0)
        #expect(first.stdout == second.stdout)
    }
}
