import Foundation
import Testing

import Gateway

@Suite("Complexity classifier and the seed 004 routing table")
struct ComplexityClassifierTests {
    /// Seed 004's "Test Prompts to Try" (all seven rows), plus its `POST /route` example: prompt,
    /// expected route, task type, score range.
    static let seedPrompts: [(String, String, TaskType, ClosedRange<Int>)] = [
        ("What is 2+2?", "gpt-4o-mini", .simpleQA, 1...2),
        ("What is the capital of France?", "gpt-4o-mini", .simpleQA, 1...2),
        ("Write a Python function to reverse a string", "gpt-4o-mini", .code, 4...5),
        ("Write a haiku about the ocean", "claude-3-5-sonnet", .creative, 4...4),
        ("Analyze pros and cons of microservices vs monolith in detail", "claude-3-5-sonnet", .analysis, 7...8),
        ("Solve the integral of x^2 * e^x dx step by step", "gpt-4o", .math, 7...8),
        ("Explain quantum entanglement to a 5-year-old", "gpt-4o", .reasoning, 8...8),
        // The seed's `POST /route` example (classified code 6/10, MEDIUM, routed to gpt-4o-mini).
        ("Write a Python web scraper with error handling", "gpt-4o-mini", .code, 5...6),
    ]

    @Test(arguments: seedPrompts)
    func seedPromptTable(prompt: String, route: String, task: TaskType, scores: ClosedRange<Int>) throws {
        let classification = ComplexityClassifier().classify(prompt)
        #expect(classification.taskType == task, "\(classification.reasoning)")
        #expect(scores.contains(classification.score), "\(classification.reasoning)")
        #expect(classification.mode == .ruleBased && classification.confidence == 1)

        var generator = SeededRandomNumberGenerator(seed: 1)
        let decision = try RoutePlanner(config: Fixtures.example)
            .plan(route: "auto", request: Fixtures.request(prompt), now: Fixtures.now, using: &generator)
        #expect(decision.chosen == route)
        #expect(decision.classification == classification)
        #expect(decision.reasoning.contains { $0.contains("tier") })
    }

    @Test(arguments: [
        (1, ComplexityTier.low), (3, .low), (4, .medium), (6, .medium), (7, .high), (10, .high),
    ])
    func tiers(score: Int, tier: ComplexityTier) {
        #expect(ComplexityTier(score: score) == tier)
    }

    @Test(arguments: [
        ("Translate 'good morning' into French", TaskType.translation),
        ("Write a Python web scraper with error handling", .code),
        ("Tell me about the weather patterns in the Pacific during the autumn months of last year", .general),
        ("Compare PostgreSQL and MySQL for an analytics workload", .analysis),
        ("Extract the invoice number and total as JSON", .general),
    ])
    func moreTaskTypes(prompt: String, task: TaskType) {
        #expect(ComplexityClassifier().classify(prompt).taskType == task)
    }

    @Test func boostersAndReducersMoveTheScore() {
        let classifier = ComplexityClassifier()
        let plain = classifier.classify("Write a Python web scraper")
        let robust = classifier.classify("Write a Python web scraper with error handling")
        let brief = classifier.classify("Briefly, write a Python web scraper")
        #expect(robust.score == plain.score + 1)
        #expect(brief.score == plain.score - 1)
        let long = classifier.classify("Summarise this: " + String(repeating: "lorem ipsum dolor ", count: 100))
        #expect(long.score > classifier.classify("Summarise this: lorem ipsum").score)
        #expect(long.reasoning.contains { $0.contains("long input") })
    }

    @Test(arguments: [
        ("What is the derivative of x^3?", ComplexityTier.medium),
        ("Summarise this memo in one sentence: the meeting moved to Tuesday.", .low),
        ("Classify this support ticket as billing, technical or other: my card was charged twice", .low),
    ])
    func everydayPromptsStayCheap(prompt: String, tier: ComplexityTier) {
        let classification = ComplexityClassifier().classify(prompt)
        #expect(classification.tier == tier, "\(classification.reasoning)")
    }

    @Test func scoreIsClampedToOneToTen() {
        let prompt =
            "Analyze and compare in detail, step by step, the quantum entanglement, relativity, thermodynamics "
            + "and topology implications of x^2 = y for a 5-year-old, with error handling?\n1. a?\n2. b?\n3. c?"
            + String(repeating: " word", count: 900)
        #expect(ComplexityClassifier().classify(prompt).score == 10)
        #expect(ComplexityClassifier().classify("").score >= 1)
    }

    @Test func seedTableMapping() {
        let table = ComplexityTable.seed()
        #expect(TaskType.allCases.allSatisfy { table.deployment(tier: .low, task: $0) == "gpt-4o-mini" })
        #expect(table.deployment(tier: .medium, task: .code) == "gpt-4o-mini")
        #expect(table.deployment(tier: .medium, task: .translation) == "claude-3-5-sonnet")
        #expect(table.deployment(tier: .high, task: .simpleQA) == "gpt-4o")
        #expect(table.deployment(tier: .high, task: .general) == "claude-3-5-sonnet")
    }
}
