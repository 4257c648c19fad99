import Foundation
import Queue
import Testing
@testable import Worker

@Suite struct EchoExecutorTests {
    func run(_ request: String, route: String = "route-model") async throws -> [String: Any] {
        let job = ClaimedJob(id: 42, attempt: 1, route: route, request: request)
        let context = JobContext(jobID: 42, flags: CancellationFlags())
        guard case .succeeded(let result) = await EchoExecutor().execute(job, context: context) else {
            throw EchoFailure()
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
    }

    func content(_ completion: [String: Any]) -> String? {
        ((completion["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("quotes \" and \\ backslash\nnew line\ttab \u{1} control", "quotes \" and \\ backslash\nnew line\ttab \u{1} control"),
        ("unicode é 🚂", "unicode é 🚂"),
    ])
    func echoesTheLastUserMessageAsValidJSON(text: String, expected: String) async throws {
        let messages = "[{\"role\":\"user\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\(JSONText.quoted(text))}]"
        let completion = try await run("{\"model\":\"gpt-x\",\"messages\":\(messages)}")
        #expect(completion["object"] as? String == "chat.completion")
        #expect(completion["model"] as? String == "gpt-x")
        #expect(completion["id"] as? String == "chatcmpl-42")
        #expect(content(completion) == expected)
        let usage = try #require(completion["usage"] as? [String: Any])
        #expect(usage["total_tokens"] is Int)
    }

    @Test func readsTextPartsAndFallsBackToTheRoute() async throws {
        let completion = try await run(
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"part one\"},{\"type\":\"text\",\"text\":\"part two\"}]}]}")
        #expect(completion["model"] as? String == "route-model")
        #expect(content(completion) == "part one\npart two")
    }

    @Test func rejectsARequestThatIsNotAnObject() async {
        let job = ClaimedJob(id: 1, attempt: 1, route: "m", request: "[1,2]")
        let outcome = await EchoExecutor().execute(job, context: JobContext(jobID: 1, flags: CancellationFlags()))
        guard case .failed(let error, let retryable) = outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == "invalid_request" && !retryable)
    }

    @Test func noopResultIsAChatCompletionFromTheRoute() async throws {
        let job = ClaimedJob(id: 7, attempt: 1, route: "bench \"model\"", request: "{}")
        guard case .succeeded(let result) = await NoopExecutor().execute(job, context: JobContext(jobID: 7, flags: CancellationFlags())) else {
            Issue.record("expected success")
            return
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
        #expect(object["object"] as? String == "chat.completion")
        #expect(object["model"] as? String == "bench \"model\"")
    }
}

struct EchoFailure: Error {}
