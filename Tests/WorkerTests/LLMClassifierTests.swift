import Foundation
import Gateway
import MockProvider
import Postgres
import Providers
import Testing
import Worker

/// The LLM-classifier mode of `complexity` routes over real HTTP: the classifier route is a
/// deployment of the mock provider, which answers Switchyard's classifier prompt with the verdict
/// a `[[mock-classify ...]]` directive in the prompt names (``MockClassification``).
@Suite("LLM classifier mode against the mock provider", .serialized)
struct LLMClassifierTests {
    static let noCache = #"{"cache": {"no_cache": true}}"#

    /// The classifier's timeout is generous unless a test is about it: an answer that comes late on a
    /// loaded machine must not turn into the rule-based fallback.
    static func fixture(timeoutMs: Int = 10_000, configure: (inout MockProviderConfiguration) -> Void = { _ in }) async throws
        -> GatewayFixture
    {
        var mock = MockProviderConfiguration()
        mock.models["claude-3-haiku"] = MockModelProfile(ownedBy: "anthropic", contextWindow: 200_000)
        configure(&mock)
        return try await GatewayFixture.make(
            mock: mock,
            extraDeployments: """
                , {"name": "haiku", "provider": "anthropic", "model": "claude-3-haiku",
                   "price": {"input_per_million": 0.25, "output_per_million": 1.25}}
                """,
            extraRoutes: """
                , {"name": "classify", "strategy": "priority", "targets": ["haiku"]},
                  {"name": "smart", "strategy": "complexity",
                   "complexity": {"classifier": {"mode": "llm", "route": "classify", "timeout_ms": \(timeoutMs)}},
                   "fallbacks": ["gpt-4o-mini"]}
                """)
    }

    /// The job's trace, parsed.
    static func trace(_ fixture: GatewayFixture) async throws -> RoutingDecision {
        let rows = try await fixture.query("SELECT routing_trace::text AS trace FROM switchyard.jobs")
        return try RoutingDecision.fromTraceJSON(try #require(rows.first?.string("trace")))
    }

    /// Ledger rows as "route deployment outcome", in order.
    static func ledger(_ fixture: GatewayFixture) async throws -> [String] {
        try await fixture.query("SELECT route, deployment, outcome FROM switchyard.attempts ORDER BY id").map {
            "\($0.string("route") ?? "") \($0.string("deployment") ?? "") \($0.string("outcome") ?? "")"
        }
    }

    /// Prompts whose rule-based verdict differs from the one the (mock) LLM gives.
    @Test(arguments: [
        ("What is 2+2? [[mock-classify score=9 task=math]]", "gpt-4o", 9, TaskType.math),
        ("Write a haiku about the ocean [[mock-classify score=2 task=creative]]", "gpt-4o-mini", 2, .creative),
        ("Summarise this memo [[mock-classify score=9 task=general]]", "claude-3-5-sonnet", 9, .general),
    ])
    func theLLMVerdictRoutesTheJob(prompt: String, deployment: String, score: Int, task: TaskType) async throws {
        let fixture = try await Self.fixture()
        defer { Task { await fixture.shutdown() } }
        let rules = ComplexityClassifier().classify(prompt)
        #expect(rules.score != score || rules.taskType != task, "the rules would agree; the case proves nothing")
        _ = try await fixture.enqueue(route: "smart", prompts: [prompt], options: Self.noCache)
        try await fixture.drain()

        let job = try await fixture.query("SELECT state, result->>'model' AS model FROM switchyard.jobs")
        #expect(job.first?.string("state") == "succeeded" && job.first?.string("model") == deployment)
        // The classifier call is a provider call of its own, in the ledger under the classifier route.
        #expect(try await Self.ledger(fixture) == ["classify haiku ok", "smart \(deployment) ok"])
        #expect(fixture.mock.engine.stats.count("claude-3-haiku", "ok") == 1)
        let costs = try await fixture.query(
            "SELECT cost_usd::float8 AS cost, baseline_cost_usd::float8 AS baseline FROM switchyard.attempts WHERE route = 'classify'")
        #expect((costs.first?.double("cost") ?? 0) > 0 && costs.first?.double("baseline") == 0)

        let trace = try await Self.trace(fixture)
        #expect(trace.classification?.mode == .llm)
        #expect(trace.classification?.score == score && trace.classification?.taskType == task)
        #expect(trace.chosen == deployment)
        #expect(trace.classifierCalls.map(\.deployment) == ["haiku"] && trace.classifierCalls.first?.outcome == "ok")
        #expect(trace.reasoning.first?.hasPrefix("LLM classifier: route classify (haiku) answered") == true)
        #expect(trace.reasoning.contains { $0.contains("(llm)") })
    }

    enum Failure: String, CaseIterable, Sendable {
        case unparseable, serverError, timeout
    }

    @Test(arguments: Failure.allCases)
    func whenTheClassifierFailsTheRulesDecide(failure: Failure) async throws {
        // Only the timeout case has a short timeout, against an answer ten times as slow.
        let fixture = try await Self.fixture(timeoutMs: failure == .timeout ? 300 : 10_000) { mock in
            if failure == .timeout { mock.models["claude-3-haiku"]?.latency = .fixed(ms: 3_000) }
        }
        defer { Task { await fixture.shutdown() } }
        if failure == .serverError { _ = fixture.mock.engine.setOutage(model: "claude-3-haiku", enabled: true) }
        // The rules: simple QA, LOW → gpt-4o-mini. Had the LLM answered, HIGH math → gpt-4o.
        let directive = failure == .unparseable ? "[[mock-classify garbage]]" : "[[mock-classify score=9 task=math]]"
        _ = try await fixture.enqueue(route: "smart", prompts: ["What is 2+2? \(directive)"], options: Self.noCache)
        try await fixture.drain()

        let job = try await fixture.query("SELECT state, result->>'model' AS model FROM switchyard.jobs")
        #expect(job.first?.string("state") == "succeeded" && job.first?.string("model") == "gpt-4o-mini")
        let outcome = ["unparseable": "ok", "serverError": "server_error", "timeout": "timeout"][failure.rawValue] ?? ""
        #expect(try await Self.ledger(fixture) == ["classify haiku \(outcome)", "smart gpt-4o-mini ok"])
        let trace = try await Self.trace(fixture)
        #expect(trace.classification?.mode == .ruleBased)
        #expect(trace.classification?.taskType == .simpleQA)
        #expect(trace.classifierCalls.map(\.outcome) == [outcome])
        let note = trace.reasoning.first ?? ""
        #expect(note.hasPrefix("LLM classifier (route classify) failed") && note.hasSuffix("rule-based fallback."), "\(note)")
        let why = ["unparseable": "unparseable answer", "serverError": "haiku:", "timeout": "timed out after 300 ms"][failure.rawValue] ?? "?"
        #expect(note.contains(why), "\(note)")
    }

    @Test("a repeated prompt is answered from the cache without asking the classifier again")
    func repeatedPromptSkipsTheClassifier() async throws {
        let fixture = try await Self.fixture()
        defer { Task { await fixture.shutdown() } }
        let prompt = "Prove it [[mock-classify score=8 task=reasoning]]"
        _ = try await fixture.enqueue(route: "smart", prompts: [prompt])
        try await fixture.drain()
        _ = try await fixture.enqueue(route: "smart", prompts: [prompt])
        try await fixture.drain()

        #expect(try await Self.ledger(fixture) == ["classify haiku ok", "smart gpt-4o ok", "smart gpt-4o cache_hit"])
        #expect(fixture.mock.engine.stats.count("claude-3-haiku", "ok") == 1)
        let pending = try await fixture.query("SELECT count(*) AS n FROM switchyard.cache WHERE state = 'pending'")
        #expect(pending.first?.int("n") == 0)
    }

    @Test func theMockRecognisesTheGatewaysClassifierPrompt() {
        #expect(LLMClassifierPrompt.systemPrompt.hasPrefix(MockClassification.marker))
    }
}
