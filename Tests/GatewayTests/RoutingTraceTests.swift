import Foundation
import Providers
import Testing

import Gateway

/// `traceJSON()` is built by hand for speed; these pin it to the Codable encoding it replaced
/// (`JSONEncoder`, sorted keys, RFC 3339 dates with milliseconds) so the stored shape cannot drift.
@Suite("Routing trace: hand-built JSON matches the Codable encoding")
struct RoutingTraceTests {
    static func codableTrace(_ decision: RoutingDecision) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return String(decoding: try encoder.encode(decision), as: UTF8.self)
    }

    static func decision(at date: Date, routable: Bool) -> RoutingDecision {
        let full = RoutingCandidate(
            deployment: "a/b \"quoted\"\n", provider: "openai", model: "gpt-4o", weight: 0.25, priority: 3,
            price: ModelPrice(inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25), contextWindow: 128_000,
            role: .classified)
        let bare = RoutingCandidate(
            deployment: "haiku", provider: "anthropic", model: "claude-3-haiku", price: ModelPrice(inputPerMillion: 0.25, outputPerMillion: 1.25))
        var decision = RoutingDecision(
            route: "auto", strategy: .complexity, candidates: [full, bare],
            excluded: [
                .init(deployment: "haiku", reason: .coolingDown, detail: "cooling until 12:00:05Z", retryAt: date.addingTimeInterval(1.5)),
                .init(deployment: "x", reason: .contextWindowTooSmall, detail: "prompt ~9000 tokens > window 8192", retryAt: nil),
            ],
            order: routable ? ["a/b \"quoted\"\n"] : [],
            classification: Classification(score: 5, taskType: .creative, reasoning: ["rule: poem → creative", "é ✓ \u{1}"], confidence: 0.875),
            reasoning: ["step one", "tab\there"], estimatedPromptTokens: 42, maxCalls: 3)
        decision.attempts = [
            .init(deployment: "haiku", outcome: "server_error", status: 503, latencyMs: 12.345, startedAt: date, failover: false, error: "HTTP 503"),
            .init(deployment: "a/b \"quoted\"\n", outcome: "ok", startedAt: date.addingTimeInterval(0.0125), failover: true),
        ]
        if routable {
            decision.classifierCalls = [.init(
                deployment: "mini", outcome: "ok", status: 200, latencyMs: 3.5, startedAt: date, failover: false)]
        }
        return decision
    }

    static let dates: [Date] = [
        Date(timeIntervalSince1970: 1_800_000_000.123_456),
        Date(timeIntervalSince1970: 1_800_000_000.999_9),
        Date(timeIntervalSince1970: 1_800_000_000.000_4),
        Date(timeIntervalSince1970: 1_800_000_059.999_999),
        Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29
        Date(timeIntervalSince1970: 0),
        Date(timeIntervalSinceReferenceDate: 0),
        Date(timeIntervalSince1970: 1_735_689_599.7),  // 2024-12-31T23:59:59
    ]

    @Test(arguments: dates)
    func matchesCodableEncoding(date: Date) throws {
        for routable in [true, false] {
            let decision = Self.decision(at: date, routable: routable)
            let trace = decision.traceJSON()
            #expect(try JSONValue.parse(trace) == JSONValue.parse(try Self.codableTrace(decision)))
            #expect(try RoutingDecision.fromTraceJSON(trace) == RoutingDecision.fromTraceJSON(try Self.codableTrace(decision)))
        }
    }

    @Test func emptyDecisionMatches() throws {
        let decision = RoutingDecision(
            route: "r", strategy: .weighted, candidates: [], excluded: [], order: [], classification: nil, reasoning: [],
            estimatedPromptTokens: 0, maxCalls: 1)
        #expect(try JSONValue.parse(decision.traceJSON()) == JSONValue.parse(try Self.codableTrace(decision)))
        #expect(try RoutingDecision.fromTraceJSON(decision.traceJSON()) == decision)
    }
}
