import API
import Foundation
import Gateway
import Postgres
import Providers
import Queue
import Testing
import Worker

/// `/v1/batches` over real sockets, with the batch service stepped by hand (`runOnce`) so each
/// status can be observed, and echo workers running the jobs.
@Suite struct APIBatchesTests {
    @Test func aBatchRunsToCompletedWithOutputInTheOpenAILineFormat() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let created = await fixture.alice.createBatch(
            lines: [batchLine("doc-1", "first"), batchLine("doc-2", "second"), batchLine("doc-3", "third")],
            metadata: #"{"project": "q3"}"#)
        #expect(created.status == 200, "\(created.text)")
        let id = try #require(created.json["id"]?.stringValue)
        #expect(created.json["object"] == "batch")
        #expect(created.json["status"] == "validating")
        #expect(created.json["endpoint"] == "/v1/chat/completions")
        #expect(created.json["completion_window"] == "24h")
        #expect(created.json["metadata"] == ["project": "q3"])
        let createdAt = try #require(created.json["created_at"]?.intValue)
        #expect(created.json["expires_at"]?.intValue == createdAt + 86_400)
        #expect(created.json["output_file_id"] == .null)

        let validated = try await service.runOnce()
        #expect(validated.started == [Int64(id)!])
        let running = await fixture.alice.get("/v1/batches/\(id)")
        #expect(running.json["status"] == "in_progress")
        #expect(running.json["request_counts"] == ["total": 3, "completed": 0, "failed": 0])
        #expect(running.json["in_progress_at"]?.intValue != nil)
        let jobs = try await fixture.client.query(
            "SELECT custom_id, priority, client_id, state FROM switchyard.jobs WHERE batch_id = $1 ORDER BY id", [Int64(id)!])
        #expect(jobs.map { $0.string("custom_id") } == ["doc-1", "doc-2", "doc-3"])
        #expect(jobs.allSatisfy { $0.int("priority") == BatchSettings().jobPriority && $0.string("state") == "queued" })

        try await fixture.withEchoWorker {
            try await waitUntil { try await fixture.queue.countByState()[.succeeded] == 3 }
        }
        #expect(await fixture.alice.get("/v1/batches/\(id)").json["request_counts"]?["completed"] == 3)
        let finalized = try await service.runOnce()
        #expect(finalized.finalized == [Int64(id)!])
        let done = await fixture.alice.get("/v1/batches/\(id)")
        #expect(done.json["status"] == "completed")
        #expect(done.json["request_counts"] == ["total": 3, "completed": 3, "failed": 0])
        #expect(done.json["finalizing_at"]?.intValue != nil && done.json["completed_at"]?.intValue != nil)
        #expect(done.json["error_file_id"] == .null)
        let outputID = try #require(done.json["output_file_id"]?.stringValue)

        let file = await fixture.alice.get("/v1/files/\(outputID)")
        #expect(file.json["purpose"] == "batch_output")
        let output = await fixture.alice.get("/v1/files/\(outputID)/content")
        #expect(file.json["bytes"]?.intValue == output.body.count)
        let lines = output.jsonLines
        #expect(lines.map { $0["custom_id"]?.stringValue } == ["doc-1", "doc-2", "doc-3"])
        for (line, content) in zip(lines, ["first", "second", "third"]) {
            #expect(line["id"]?.stringValue?.hasPrefix("batch_req_") == true)
            #expect(line["error"] == .null)
            #expect(line["response"]?["status_code"] == 200)
            let jobID = try #require(line["response"]?["request_id"]?.stringValue)
            #expect(await fixture.alice.get("/v1/jobs/\(jobID)").json["status"] == "succeeded")
            #expect(line["response"]?["body"]?["object"] == "chat.completion")
            #expect(line["response"]?["body"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == content)
        }
        // Nothing more to do: a second pass changes nothing.
        #expect(try await service.runOnce().isEmpty)
        await fixture.shutdown()
    }

    @Test func aBadLineFailsTheBatchWithLineErrorsAndCreatesNoJob() async throws {
        let fixture = try await APIFixture.make()
        let created = await fixture.alice.createBatch(lines: [
            batchLine("ok", "fine"),
            #"{"custom_id": "no-messages", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m"}}"#,
            #"{"method": "POST", "url": "/v1/chat/completions", "body": {}}"#,
            #"{"custom_id": "wrong-url", "method": "POST", "url": "/v1/embeddings", "body": {}}"#,
            batchLine("ok", "duplicate id"),
        ])
        let id = try #require(created.json["id"]?.stringValue)
        let report = try await BatchService(client: fixture.client, listenerConfiguration: nil).runOnce()
        #expect(report.failed == [Int64(id)!])
        let failed = await fixture.alice.get("/v1/batches/\(id)")
        #expect(failed.json["status"] == "failed")
        #expect(failed.json["failed_at"]?.intValue != nil)
        #expect(failed.json["errors"]?["object"] == "list")
        let errors = try #require(failed.json["errors"]?["data"]?.arrayValue)
        #expect(errors.map { $0["line"]?.intValue } == [2, 3, 4, 5])
        #expect(errors.map { $0["param"]?.stringValue } == ["body.messages", "custom_id", "url", "custom_id"])
        #expect(errors.map { $0["code"]?.stringValue } == ["invalid_value", "missing_required_parameter", "invalid_url", "duplicate_custom_id"])
        #expect(errors[3]["message"]?.stringValue?.contains("line 1") == true)
        #expect(try await fixture.jobCount() == 0)
        await fixture.shutdown()
    }

    @Test func aFileWithMoreRequestsThanABatchTakesFailsIt() async throws {
        let fixture = try await APIFixture.make()
        var settings = BatchSettings()
        settings.maxRequests = 2
        let id = try #require(await fixture.alice.createBatch(lines: (1...3).map { batchLine("r\($0)", "x") }).json["id"]?.stringValue)
        _ = try await BatchService(client: fixture.client, listenerConfiguration: nil, settings: settings).runOnce()
        let failed = await fixture.alice.get("/v1/batches/\(id)")
        #expect(failed.json["status"] == "failed")
        #expect(failed.json["errors"]?["data"]?.arrayValue?.first?["code"] == "too_many_requests")
        #expect(try await fixture.jobCount() == 0)
        await fixture.shutdown()
    }

    @Test func anUnknownModelFailsTheBatchWhenAConfigIsStored() async throws {
        let fixture = try await APIFixture.make()
        let config = """
            {"version": 1, "providers": [{"name": "p", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k"}],
             "deployments": [{"name": "known", "provider": "p", "model": "known", "price": {"input_per_million": 1, "output_per_million": 1}}],
             "routes": [], "baseline_model": "known"}
            """
        _ = try await GatewayConfigStore(client: fixture.client).apply(Array(config.utf8))
        let created = await fixture.alice.createBatch(lines: [batchLine("a", "x", model: "known"), batchLine("b", "y", model: "nope")])
        let id = try #require(created.json["id"]?.stringValue)
        _ = try await BatchService(client: fixture.client, listenerConfiguration: nil).runOnce()
        let failed = await fixture.alice.get("/v1/batches/\(id)")
        #expect(failed.json["status"] == "failed")
        #expect(failed.json["errors"]?["data"]?.arrayValue?.first?["code"] == "model_not_found")
        #expect(failed.json["errors"]?["data"]?.arrayValue?.first?["line"] == 2)
        await fixture.shutdown()
    }

    @Test func createBatchBadInputs() async throws {
        let fixture = try await APIFixture.make()
        let file = try #require(await fixture.alice.upload(batchLine("a", "x") + "\n").json["id"]?.stringValue)
        let bobsFile = try #require(await fixture.bob.upload(batchLine("a", "x") + "\n").json["id"]?.stringValue)
        let outputFile = try await fixture.client.query(
            """
            INSERT INTO switchyard.files (client_id, purpose, filename, bytes, content)
            SELECT id, 'batch_output', 'out.jsonl', 0, ''::bytea FROM switchyard.clients WHERE name = 'alice' RETURNING id
            """).first?.string("id") ?? ""
        func body(_ file: String = file, endpoint: String = "\"/v1/chat/completions\"", window: String = "\"24h\"",
                  metadata: String = "null") -> String {
            #"{"input_file_id":"\#(file)","endpoint":\#(endpoint),"completion_window":\#(window),"metadata":\#(metadata)}"#
        }
        let cases: [(String, String, Int, String)] = [
            ("{}", "input_file_id", 400, "input_file_id: required"),
            (#"{"input_file_id": 7}"#, "input_file_id", 400, "input_file_id: required"),
            (body("999999"), "input_file_id", 404, "no file '999999'"),
            (body(bobsFile), "input_file_id", 404, "no file '\(bobsFile)'"),
            (body(outputFile), "input_file_id", 400, "purpose 'batch_output'"),
            (body(endpoint: "\"/v1/embeddings\""), "endpoint", 400, "only '/v1/chat/completions'"),
            (body(endpoint: "null"), "endpoint", 400, "only '/v1/chat/completions'"),
            (body(window: "\"1h\""), "completion_window", 400, "expected '24h'"),
            (body(metadata: #"{"k": 1}"#), "metadata", 400, "string values"),
            (body(metadata: "[]"), "metadata", 400, "string values"),
        ]
        for (payload, param, status, message) in cases {
            let response = await fixture.alice.post("/v1/batches", payload)
            #expect(response.status == status, "\(payload): \(response.text)")
            #expect(response.json["error"]?["param"]?.stringValue == param, "\(payload)")
            #expect(response.errorMessage.contains(message), "\(payload): \(response.errorMessage)")
        }
        let notJSON = await fixture.alice.post("/v1/batches", "{oops")
        #expect(notJSON.status == 400)
        let wrongType = await fixture.alice.request("POST", "/v1/batches", body: body(), contentType: "text/plain")
        #expect(wrongType.status == 415)
        #expect(try await fixture.client.query("SELECT count(*) FROM switchyard.batches").first?.int("count") == 0)
        await fixture.shutdown()
    }

    @Test func clientsSeeOnlyTheirOwnBatchesAndListsPage() async throws {
        let fixture = try await APIFixture.make()
        var ids: [String] = []
        for index in 0..<3 {
            ids.append(try #require(await fixture.alice.createBatch(lines: [batchLine("a", "\(index)")]).json["id"]?.stringValue))
        }
        let bobs = try #require(await fixture.bob.createBatch(lines: [batchLine("a", "b")]).json["id"]?.stringValue)

        let first = await fixture.alice.get("/v1/batches?limit=2")
        #expect(first.status == 200)
        #expect(first.json["object"] == "list")
        #expect(first.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
        #expect(first.json["has_more"] == true)
        #expect(first.json["first_id"]?.stringValue == ids[2] && first.json["last_id"]?.stringValue == ids[1])
        let second = await fixture.alice.get("/v1/batches?limit=2&after=\(ids[1])")
        #expect(second.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0]])
        #expect(second.json["has_more"] == false)
        #expect(await fixture.bob.get("/v1/batches").json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [bobs])
        for bad in ["limit=0", "limit=101", "limit=x", "after=-1"] {
            #expect(await fixture.alice.get("/v1/batches?\(bad)").status == 400, "\(bad)")
        }

        for (path, method) in [("/v1/batches/\(bobs)", "GET"), ("/v1/batches/\(bobs)/cancel", "POST"),
                               ("/v1/batches/424242", "GET"), ("/v1/batches/batch_x/cancel", "POST")] {
            let response = await fixture.alice.request(method, path)
            #expect(response.status == 404, "\(method) \(path)")
            #expect(response.json["error"]?["code"] == "batch_not_found")
        }
        // Bob's batch was not cancelled by Alice's attempt.
        #expect(await fixture.bob.get("/v1/batches/\(bobs)").json["status"] == "validating")
        #expect(await fixture.anonymous.get("/v1/batches").status == 401)
        await fixture.shutdown()
    }

    @Test func cancelStopsQueuedRequestsAndReportsThemInTheErrorFile() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let created = await fixture.alice.createBatch(lines: (1...4).map { batchLine("r\($0)", "text \($0)") })
        let id = try #require(created.json["id"]?.stringValue)
        _ = try await service.runOnce()
        // One request finishes before the cancel: a worker claims and completes it by hand.
        let claimed = try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 60_000, workerID: "test")
        let first = try #require(claimed.first)
        _ = try await fixture.queue.complete([.succeeded(first, result: echoCompletion("text 1"))])

        let cancelling = await fixture.alice.post("/v1/batches/\(id)/cancel", "")
        #expect(cancelling.status == 200, "\(cancelling.text)")
        #expect(cancelling.json["status"] == "cancelling")
        #expect(cancelling.json["cancelling_at"]?.intValue != nil)
        #expect(try await fixture.queue.countByState() == [.succeeded: 1, .cancelled: 3])
        #expect(await fixture.alice.post("/v1/batches/\(id)/cancel", "").json["status"] == "cancelling")

        #expect(try await service.runOnce().finalized == [Int64(id)!])
        let cancelled = await fixture.alice.get("/v1/batches/\(id)")
        #expect(cancelled.json["status"] == "cancelled")
        #expect(cancelled.json["cancelled_at"]?.intValue != nil && cancelled.json["completed_at"] == .null)
        #expect(cancelled.json["request_counts"] == ["total": 4, "completed": 1, "failed": 3])
        let output = await fixture.alice.get("/v1/files/\(cancelled.json["output_file_id"]?.stringValue ?? "")/content")
        #expect(output.jsonLines.map { $0["custom_id"]?.stringValue } == ["r1"])
        let errors = await fixture.alice.get("/v1/files/\(cancelled.json["error_file_id"]?.stringValue ?? "")/content")
        #expect(errors.jsonLines.map { $0["custom_id"]?.stringValue } == ["r2", "r3", "r4"])
        #expect(errors.jsonLines.allSatisfy { $0["response"] == .null && $0["error"]?["code"] == "batch_cancelled" })
        #expect(await fixture.alice.post("/v1/batches/\(id)/cancel", "").status == 200)
        await fixture.shutdown()
    }

    @Test func cancellingWhileAWorkerRunsTheBatchAccountsForEveryRequest() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let id = try #require(await fixture.alice.createBatch(lines: (1...400).map { batchLine("r\($0)", "text \($0)") }).json["id"]?.stringValue)
        _ = try await service.runOnce()
        var cancel: APIResponse?
        // 400 requests of 20 ms, 10 at a time: the cancel lands while most are still queued.
        try await fixture.withWorker(executor: { _ in DelayedExecutor(EchoExecutor(), delayMs: 20) }, concurrency: 10) {
            try await waitUntil { (try await fixture.queue.countByState()[.succeeded] ?? 0) >= 20 }
            cancel = await fixture.alice.post("/v1/batches/\(id)/cancel", "")
            try await waitUntil { try await fixture.queue.countByState()[.running] == nil }
        }
        #expect(cancel?.status == 200, "\(cancel?.text ?? "")")
        try await waitUntil { _ = try await service.runOnce(); return await fixture.alice.get("/v1/batches/\(id)").json["status"] == "cancelled" }
        let batch = await fixture.alice.get("/v1/batches/\(id)").json
        let completed = batch["request_counts"]?["completed"]?.intValue ?? -1
        let failed = batch["request_counts"]?["failed"]?.intValue ?? -1
        #expect(completed >= 20 && failed > 0 && completed + failed == 400, "\(batch)")
        let output = await fixture.alice.get("/v1/files/\(batch["output_file_id"]?.stringValue ?? "")/content").jsonLines
        let errors = await fixture.alice.get("/v1/files/\(batch["error_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(output.count == completed && errors.count == failed)
        #expect(Set((output + errors).compactMap { $0["custom_id"]?.stringValue }).count == 400)
        await fixture.shutdown()
    }

    @Test func aCompletedBatchCannotBeCancelledAndFailuresGoToTheErrorFile() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("good", "g"), batchLine("bad", "b")]).json["id"]?.stringValue)
        _ = try await service.runOnce()
        let claimed = try await fixture.queue.claim(queue: "default", limit: 2, leaseMs: 60_000, workerID: "test")
        #expect(claimed.count == 2)
        let failure = JobError(code: "invalid_request", message: "the provider refused the request", detail: "max_tokens too large")
        _ = try await fixture.queue.complete([.succeeded(claimed[0], result: echoCompletion("g")), .failed(claimed[1], error: failure)])
        _ = try await service.runOnce()
        let done = await fixture.alice.get("/v1/batches/\(id)")
        #expect(done.json["status"] == "completed")
        #expect(done.json["request_counts"] == ["total": 2, "completed": 1, "failed": 1])
        let errorLines = await fixture.alice.get("/v1/files/\(done.json["error_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(errorLines.count == 1)
        #expect(errorLines.first?["custom_id"] == "bad")
        #expect(errorLines.first?["error"] == .null)
        #expect(errorLines.first?["response"]?["status_code"] == 400)
        #expect(errorLines.first?["response"]?["body"]?["error"]?["code"] == "invalid_request")
        #expect(errorLines.first?["response"]?["body"]?["error"]?["message"]?.stringValue?.contains("max_tokens too large") == true)

        let refused = await fixture.alice.post("/v1/batches/\(id)/cancel", "")
        #expect(refused.status == 409)
        #expect(refused.errorMessage.contains("completed"))
        await fixture.shutdown()
    }

    @Test func aCancelledBatchWaitsForRunningRequestsThenForTheGracePeriod() async throws {
        let fixture = try await APIFixture.make()
        var settings = BatchSettings()
        settings.cancelGraceMs = 60_000
        let patient = BatchService(client: fixture.client, listenerConfiguration: nil, settings: settings)
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("slow", "s"), batchLine("queued", "q")]).json["id"]?.stringValue)
        _ = try await patient.runOnce()
        let running = try #require(try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 60_000, workerID: "test").first)
        _ = await fixture.alice.post("/v1/batches/\(id)/cancel", "")
        let flagged = try await fixture.queue.job(id: running.id)
        #expect(flagged?.state == .running && flagged?.cancelRequested == true)
        #expect(try await patient.runOnce().finalized.isEmpty)
        #expect(await fixture.alice.get("/v1/batches/\(id)").json["status"] == "cancelling")

        settings.cancelGraceMs = 0
        let impatient = BatchService(client: fixture.client, listenerConfiguration: nil, settings: settings)
        #expect(try await impatient.runOnce().finalized == [Int64(id)!])
        let cancelled = await fixture.alice.get("/v1/batches/\(id)")
        #expect(cancelled.json["status"] == "cancelled")
        #expect(cancelled.json["output_file_id"] == .null)
        let errors = await fixture.alice.get("/v1/files/\(cancelled.json["error_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(errors.map { $0["custom_id"]?.stringValue } == ["slow", "queued"])
        #expect(errors.allSatisfy { $0["error"]?["code"] == "batch_cancelled" })
        await fixture.shutdown()
    }

    @Test func aBatchPastItsWindowExpires() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("done", "d"), batchLine("late", "l")]).json["id"]?.stringValue)
        _ = try await service.runOnce()
        let claimed = try #require(try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 60_000, workerID: "test").first)
        _ = try await fixture.queue.complete([.succeeded(claimed, result: echoCompletion("d"))])
        try await fixture.client.query("UPDATE switchyard.batches SET expires_at = now() - interval '1 second' WHERE id = $1", [Int64(id)!])

        let report = try await service.runOnce()
        #expect(report.expired == [Int64(id)!] && report.finalized == [Int64(id)!])
        let expired = await fixture.alice.get("/v1/batches/\(id)")
        #expect(expired.json["status"] == "expired")
        #expect(expired.json["expired_at"]?.intValue != nil)
        #expect(expired.json["request_counts"] == ["total": 2, "completed": 1, "failed": 1])
        let output = await fixture.alice.get("/v1/files/\(expired.json["output_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(output.map { $0["custom_id"]?.stringValue } == ["done"])
        let errors = await fixture.alice.get("/v1/files/\(expired.json["error_file_id"]?.stringValue ?? "")/content").jsonLines
        #expect(errors.map { $0["custom_id"]?.stringValue } == ["late"])
        #expect(errors.first?["error"]?["code"] == "batch_expired")
        #expect(try await fixture.queue.countByState() == [.succeeded: 1, .cancelled: 1])
        await fixture.shutdown()
    }

    @Test func anOutputOverTheFileLimitEndsTheBatchFailedNotStuck() async throws {
        let fixture = try await APIFixture.make()
        var settings = BatchSettings()
        settings.maxOutputFileBytes = 200
        let service = BatchService(client: fixture.client, listenerConfiguration: nil, settings: settings)
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("a", "x"), batchLine("b", "y")]).json["id"]?.stringValue)
        _ = try await service.runOnce()
        try await fixture.withEchoWorker {
            try await waitUntil { try await fixture.queue.countByState()[.succeeded] == 2 }
        }
        #expect(try await service.runOnce().finalized == [Int64(id)!])
        let batch = await fixture.alice.get("/v1/batches/\(id)").json
        #expect(batch["status"] == "failed")
        #expect(batch["failed_at"]?.intValue != nil && batch["output_file_id"] == .null)
        #expect(batch["errors"]?["data"]?.arrayValue?.first?["code"] == "output_too_large")
        #expect(batch["request_counts"] == ["total": 2, "completed": 2, "failed": 0])
        #expect(await fixture.alice.get("/v1/jobs?batch=\(id)").json["data"]?.arrayValue?.count == 2)
        await fixture.shutdown()
    }

    @Test func batchRequestsRunAfterInteractiveJobs() async throws {
        let fixture = try await APIFixture.make()
        _ = await fixture.alice.createBatch(lines: [batchLine("a", "batch")])
        _ = try await BatchService(client: fixture.client, listenerConfiguration: nil).runOnce()
        let interactive = await fixture.alice.post("/v1/jobs", chatBody("interactive"))
        let claimed = try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 60_000, workerID: "test")
        #expect(claimed.first.map { String($0.id) } == interactive.json["id"]?.stringValue)
        await fixture.shutdown()
    }
}

/// Polls `condition` every 20 ms for up to `timeoutMs`.
func waitUntil(timeoutMs: Int = 30_000, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1_000)
    while try await !condition() {
        if Date() > deadline { throw WaitTimeout() }
        try await Task.sleep(for: .milliseconds(20))
    }
}

struct WaitTimeout: Error {}

/// The `chat.completion` an echo worker would write for `content`.
func echoCompletion(_ content: String) -> String {
    #"{"id":"chatcmpl-test","object":"chat.completion","created":0,"model":"echo-model","choices":[{"index":0,"message":{"role":"assistant","content":"\#(content)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#
}
