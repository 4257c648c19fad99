import Providers
import Queue

extension DemoScenario {
    /// Prompts of seed 004's table and the help desk, from trivial to hard.
    static let autoPrompts = [
        "What is the capital of France?",
        "Classify this support ticket as billing, technical or other: my card was charged twice",
        "Write a Python function to reverse a string",
        "Write a haiku about the ocean",
        "Analyze pros and cons of microservices vs monolith in detail",
        "Solve the integral of x^2 * e^x dx step by step",
    ]

    /// Step 5: route `auto` classifies each prompt and picks a model from its tier x task table.
    func complexityRouting() async throws -> [(key: String, value: String)] {
        emit(.step(number: 5, title: "Complexity routing: route 'auto' picks the model per prompt"))
        emit(.text("A rule-based classifier scores each prompt 1-10 and names its task; the route's tier x task table picks the deployment, and the trace says why."))
        emit(.command("switchyard enqueue --model auto --prompt \"Solve the integral of x^2 * e^x dx step by step\""))
        let jobs = Self.autoPrompts.map { prompt in
            NewJob(route: "auto", request: JSONValue.object([
                "model": "auto", "messages": .array([.object(["role": "user", "content": .string(prompt)])]),
            ]).description)
        }
        let ids = try await submitAndWait(jobs)
        let result = try await client.query("""
            SELECT j.request->'messages'->-1->>'content' AS prompt,
                   j.routing_trace->'classification'->>'score' AS score,
                   j.routing_trace->'classification'->>'task_type' AS task,
                   j.routing_trace->'classification'->>'tier' AS tier,
                   coalesce(j.result->>'model', j.state) AS model,
                   coalesce(j.routing_trace->'classification'->'reasoning', '[]') AS classifier_reasoning,
                   coalesce(j.routing_trace->'reasoning', '[]') AS routing_reasoning
            FROM switchyard.jobs j WHERE j.id = ANY($1::bigint[]) ORDER BY j.id
            """, [Self.idArray(ids)])
        emit(.table(DemoTable(columns: ["prompt", "score", "task", "tier", "model"], rows: result.map { row in
            [Self.shortened(row["prompt"] ?? "-", to: 60), row["score"] ?? "-", row["task"] ?? "-", row["tier"] ?? "-", row["model"] ?? "-"]
        })))
        emit(.text("The reasoning recorded in each job's routing_trace:"))
        var reasoned = 0
        for row in result {
            emit(.text("\"\(row["prompt"] ?? "")\" -> \(row["model"] ?? "-")"))
            let lines = Self.strings(row["classifier_reasoning"]) + Self.strings(row["routing_reasoning"])
            if !lines.isEmpty { reasoned += 1 }
            for line in lines { emit(.detail(line)) }
        }
        if result.contains(where: { Self.strings($0["routing_reasoning"]).contains { $0.contains("not available") } }) {
            emit(.text("gpt-4o's breaker is still open from step 3: what the table sends to gpt-4o goes to the next candidate until it closes."))
        }
        let models = Set(result.compactMap { $0["model"] })
        return [(key: "auto_prompts", value: String(result.count)), (key: "auto_reasoned", value: String(reasoned)),
                (key: "auto_models", value: models.sorted().joined(separator: ","))]
    }

    /// Step 6: the OpenAI-compatible endpoint, as an OpenAI SDK or LangChain would call it.
    func openAICall() async throws -> [(key: String, value: String)] {
        emit(.step(number: 6, title: "The OpenAI-compatible API: POST /v1/chat/completions"))
        emit(.text("Existing OpenAI SDK code works by changing the base URL: OpenAI(base_url=\"\(info.apiURL)/v1\", api_key=KEY). The answer says how it was served in x-switchyard-* headers."))
        let body = JSONValue.object([
            "model": .string(Self.balancedRoute),
            "messages": .array([.object([
                "role": "user", "content": "Classify this ticket: invoice INV-2024-0117 shows the wrong VAT number.",
            ])]),
        ]).description
        emit(.command("curl \(info.apiURL)/v1/chat/completions -H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' -d '\(body)'"))
        let response = try await call(
            "POST", "\(info.apiURL)/v1/chat/completions", headers: [("Authorization", "Bearer \(info.clientKey)")], body: body)
        emit(.text("HTTP \(response.status)"))
        for (name, value) in response.headers where name.hasPrefix("x-switchyard-") { emit(.detail("\(name): \(value)")) }
        let completion = try? JSONValue.parse(response.body)
        let model = completion?["model"]?.stringValue ?? "-"
        let content = completion?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
            ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        emit(.text("\(model): \(Self.shortened(content, to: 140))"))
        guard response.status == 200 else {
            throw LocalStackError("POST /v1/chat/completions answered \(response.status): \(Self.shortened(content, to: 300))")
        }
        return [(key: "http_status", value: String(response.status)), (key: "http_model", value: model)]
    }

    /// The strings of a JSON array given as text.
    static func strings(_ json: String?) -> [String] {
        guard let json, case .array(let items)? = try? JSONValue.parse(json) else { return [] }
        return items.compactMap(\.stringValue)
    }

    static func shortened(_ text: String, to length: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= length ? flat : String(flat.prefix(length - 1)) + "…"
    }
}
