import Testing

import Gateway

@Suite("LLM classifier: request builder and reply parser")
struct LLMClassifierPromptTests {
    @Test func requestAsksForJSONDeterministically() {
        let request = LLMClassifierPrompt().request(for: "What is 2+2?", model: "gpt-4o-mini")
        #expect(request["model"] == "gpt-4o-mini")
        #expect(request["temperature"]?.intValue == 0)
        #expect(request["response_format"]?["type"] == "json_object")
        let messages = request["messages"]?.arrayValue ?? []
        #expect(messages.count == 2)
        #expect(messages[1]["content"]?.stringValue?.contains("What is 2+2?") == true)
        #expect(messages[0]["content"]?.stringValue?.contains("simple_qa") == true)
    }

    @Test func longPromptsAreTruncated() {
        let prompt = String(repeating: "x", count: 10_000)
        let content = LLMClassifierPrompt(maxPromptCharacters: 100).messages(for: prompt)[1]["content"]?.stringValue ?? ""
        #expect(content.count < 300)
        #expect(content.contains("10000 characters"))
    }

    @Test(arguments: [
        (#"{"complexity_score": 8, "task_type": "math", "reasoning": "integration by parts", "confidence": 0.9}"#, 8, TaskType.math),
        ("```json\n{\"complexity_score\": \"3\", \"task_type\": \"Simple QA\"}\n```", 3, .simpleQA),
        (#"Sure! {"score": 6.4, "task": "code"} Hope that helps."#, 6, .code),
    ])
    func parsesReplies(reply: String, score: Int, task: TaskType) throws {
        let classification = try LLMClassifierPrompt().parse(reply)
        #expect(classification.score == score)
        #expect(classification.taskType == task)
        #expect(classification.mode == .llm)
        #expect((0...1).contains(classification.confidence))
    }

    @Test(arguments: [
        "no json here",
        #"{"complexity_score": 11, "task_type": "math"}"#,
        #"{"complexity_score": 5, "task_type": "poetry"}"#,
        #"{"task_type": "math"}"#,
        #"{"complexity_score": 5, "task_type": "math""#,
    ])
    func rejectsBadReplies(reply: String) {
        #expect(throws: LLMClassifierPrompt.ParseError.self) { try LLMClassifierPrompt().parse(reply) }
    }
}
