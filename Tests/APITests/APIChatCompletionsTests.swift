import API
import Foundation
import Providers
import Queue
import Testing

/// `/v1/chat/completions`: enqueue, wait for a worker, answer in the OpenAI shape.
@Suite struct APIChatCompletionsTests {
    @Test func answersWithTheCompletionAndSwitchyardHeaders() async throws {
        let fixture = try await APIFixture.make()
        let response = try await fixture.withEchoWorker {
            await fixture.alice.post("/v1/chat/completions", chatBody("what a day"))
        }
        #expect(response.status == 200, "\(response.text)")
        #expect(response.header("content-type") == "application/json")
        #expect(response.json["object"]?.stringValue == "chat.completion")
        #expect(response.json["model"]?.stringValue == "echo-model")
        #expect(response.json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == "what a day")
        let jobID = try #require(response.header("x-switchyard-job-id"))
        for name in ["provider", "model", "attempts", "cache", "upstream-latency-ms", "gateway-latency-ms"] {
            #expect(response.header("x-switchyard-\(name)") != nil, "x-switchyard-\(name)")
        }
        #expect(response.header("x-switchyard-model") == "echo-model")
        #expect(response.header("x-switchyard-cache") == "miss")
        let job = try #require(try await fixture.queue.job(id: Int64(jobID)!))
        #expect(job.priority == 100)
        #expect(job.clientID != nil)
        #expect(await fixture.bob.get("/v1/jobs/\(jobID)").status == 404)
        await fixture.shutdown()
    }

    /// Concurrent requests share their INSERTs and answer reads (EnqueueBatcher, ChatAnswer.Reader):
    /// each client still gets its own job's answer.
    @Test func concurrentRequestsEachGetTheirOwnAnswer() async throws {
        let fixture = try await APIFixture.make()
        let responses = try await fixture.withEchoWorker {
            await withTaskGroup(of: (Int, APIResponse).self) { group in
                for index in 0..<40 {
                    group.addTask { (index, await fixture.alice.post("/v1/chat/completions", chatBody("request \(index)"))) }
                }
                var responses: [Int: APIResponse] = [:]
                for await (index, response) in group { responses[index] = response }
                return responses
            }
        }
        #expect(responses.count == 40)
        for (index, response) in responses {
            #expect(response.status == 200, "\(response.text)")
            #expect(response.json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == "request \(index)")
        }
        #expect(Set(responses.values.compactMap { $0.header("x-switchyard-job-id") }).count == 40)
        await fixture.shutdown()
    }

    @Test func streamIsServerSentEventsAfterCompletion() async throws {
        let fixture = try await APIFixture.make()
        let response = try await fixture.withEchoWorker {
            await fixture.alice.post(
                "/v1/chat/completions", chatBody("stream me", extra: #","stream":true,"stream_options":{"include_usage":true}"#))
        }
        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/event-stream")
        #expect(response.header("x-switchyard-job-id") != nil)
        let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.allSatisfy { $0.hasPrefix("data: ") })
        #expect(events.last == "data: [DONE]")
        let chunks = events.dropLast().map { (try? JSONValue.parse(String($0.dropFirst(6)))) ?? .null }
        #expect(chunks.allSatisfy { $0["object"]?.stringValue == "chat.completion.chunk" })
        let text = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == "stream me")
        #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "stop" })
        #expect(chunks.last?["usage"]?["total_tokens"] != nil)
        await fixture.shutdown()
    }

    @Test func failedJobAnswersInTheOpenAIErrorShape() async throws {
        let fixture = try await APIFixture.make()
        let failing = Task {
            // Plays the worker: fails the job as every provider having failed would.
            while true {
                let claimed = try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 5_000, workerID: "t")
                if let job = claimed.first {
                    _ = try await fixture.queue.complete(
                        [.failed(job, error: JobError(code: "server_error", message: "every provider failed"))])
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let response = await fixture.alice.post("/v1/chat/completions", chatBody())
        try await failing.value
        #expect(response.status == 502, "\(response.text)")
        #expect(response.errorMessage.contains("every provider failed"))
        #expect(response.json["error"]?["type"]?.stringValue == "server_error")
        #expect(response.header("x-switchyard-job-id") != nil)
        await fixture.shutdown()
    }

    @Test func timesOutWith504AndCancelsTheJob() async throws {
        var configuration = GatewayAPI.Configuration()
        configuration.chatTimeoutMs = 300
        let fixture = try await APIFixture.make(configuration: configuration)
        let response = await fixture.alice.post("/v1/chat/completions", chatBody())
        #expect(response.status == 504)
        let id = try #require(response.header("x-switchyard-job-id").flatMap { Int64($0) })
        #expect(try await fixture.queue.job(id: id)?.state == .cancelled)
        await fixture.shutdown()
    }
}
