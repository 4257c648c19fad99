import Foundation
import Providers
import Testing

import Gateway

@Suite("Routing: strategies, exclusions, failover order, trace")
struct RoutePlannerTests {
    let planner = RoutePlanner(config: Fixtures.example)
    let now = Fixtures.now

    func plan(
        _ route: String, _ prompt: String = "Summarise the memo", health: [String: DeploymentHealth] = [:],
        seed: UInt64 = 7, maxTokens: Int? = nil, tokens: Int? = nil
    ) throws -> RoutingDecision {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let request = RoutingRequest(prompt: prompt, estimatedPromptTokens: tokens, maxTokens: maxTokens)
        return try planner.plan(route: route, request: request, health: health, now: now, using: &generator)
    }

    @Test func fiftyFiftySplitsWithinFivePercentOver10000Picks() throws {
        var generator = SeededRandomNumberGenerator(seed: 42)
        var counts: [String: Int] = [:]
        let request = Fixtures.request("Summarise the memo")
        for _ in 0..<10_000 {
            let decision = try planner.plan(route: "chat", request: request, now: now, using: &generator)
            counts[decision.chosen ?? "none", default: 0] += 1
        }
        // ±5% of the expected 5,000 each.
        #expect(abs(counts["gpt-4o", default: 0] - 5_000) <= 250, "\(counts)")
        #expect(counts["gpt-4o", default: 0] + counts["gpt-4o-mini", default: 0] == 10_000)
    }

    @Test func thousandToOneSendsAlmostNothingToTheLightTarget() throws {
        var light = 0
        for seed in 0..<2_000 as Range<UInt64> where try plan("mini-ha", seed: seed).chosen == "azure-gpt-4o-mini" {
            light += 1
        }
        #expect(light <= 10)  // expected ~2 of 2,000
        let decision = try plan("mini-ha")
        #expect(decision.order == ["gpt-4o-mini", "azure-gpt-4o-mini"])
    }

    @Test func thousandToOneFailsOverToTheLightTargetWhenTheHeavyOneIsOpen() throws {
        let open = DeploymentHealth(
            breaker: CircuitBreaker(state: CircuitBreakerState(state: .open, openUntil: now.addingTimeInterval(30))))
        let decision = try plan("mini-ha", health: ["gpt-4o-mini": open])
        #expect(decision.order == ["azure-gpt-4o-mini"])
        #expect(decision.excluded.map(\.reason) == [.breakerOpen])
        #expect(decision.excluded.first?.retryAt == now.addingTimeInterval(30))
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func failoverOrderIsPickThenOtherTargetsThenFallbacks(seed: UInt64) throws {
        let decision = try plan("chat", seed: seed)
        #expect(decision.order.count == 3)
        #expect(Set(decision.order.prefix(2)) == ["gpt-4o", "gpt-4o-mini"])
        #expect(decision.order.last == "claude-3-5-sonnet")
        #expect(decision.chosen == decision.order.first)
    }

    @Test func otherTargetsFollowByDescendingWeight() {
        let candidates = [("a", 1.0), ("b", 5.0), ("c", 0.0), ("d", 3.0)].map {
            RoutingCandidate(deployment: $0.0, provider: "p", model: $0.0, weight: $0.1, price: ModelPrice(inputPerMillion: 1, outputPerMillion: 1))
        }
        var generator = SeededRandomNumberGenerator(seed: 3)
        for _ in 0..<50 {
            let order = RoutePlanner.weightedOrder(candidates, using: &generator).map(\.deployment)
            #expect(order[0] != "c", "a zero weight is never picked")
            let rest = order.dropFirst().map { name in candidates.first { $0.deployment == name }!.weight }
            #expect(rest == rest.sorted(by: >))
        }
    }

    @Test func priorityOrdersHighestFirstWithStableTies() {
        let price = ModelPrice(inputPerMillion: 1, outputPerMillion: 1)
        let candidates = [
            RoutingCandidate(deployment: "low", provider: "p", model: "m", priority: 0, price: price),
            RoutingCandidate(deployment: "high", provider: "p", model: "m", priority: 2, price: price),
            RoutingCandidate(deployment: "mid1", provider: "p", model: "m", priority: 1, price: price),
            RoutingCandidate(deployment: "mid2", provider: "p", model: "m", priority: 1, price: price),
        ]
        #expect(RoutePlanner.priorityOrder(candidates).map(\.deployment) == ["high", "mid1", "mid2", "low"])
    }

    @Test func leastLatencyExploresUnmeasuredThenFastest() throws {
        var fast = DeploymentHealth()
        fast.latency.record(120)
        var slow = DeploymentHealth()
        slow.latency.record(900)
        // mistral-large has no measurement: explored first.
        let decision = try plan("fast", health: ["gpt-4o-mini": slow, "gemini-1.5-flash": fast])
        #expect(decision.order == ["mistral-large", "gemini-1.5-flash", "gpt-4o-mini"])
        var measured = DeploymentHealth()
        measured.latency.record(300)
        let all = try plan("fast", health: ["gpt-4o-mini": slow, "gemini-1.5-flash": fast, "mistral-large": measured])
        #expect(all.order == ["gemini-1.5-flash", "mistral-large", "gpt-4o-mini"])
    }

    @Test func costPicksTheCheapestForThePrompt() throws {
        let decision = try plan("cheap", maxTokens: 500)
        #expect(decision.order == ["gemini-1.5-flash", "gpt-4o-mini", "deepseek-chat"])
        #expect(decision.reasoning.contains { $0.contains("Cheapest") })
    }

    @Test func exclusionsCarryReasonsAndRetryTimes() throws {
        let later = now.addingTimeInterval(20)
        var cooling = DeploymentHealth()
        cooling.rateLimit.cooldownUntil = later
        var exhausted = DeploymentHealth()
        exhausted.rateLimit.apply(.init(remainingRequests: 0, requestsResetAt: now.addingTimeInterval(5)))
        var spent = DeploymentHealth(budget: RateBudget(rpm: 1, tpm: nil))
        let lease = spent.budget.leaseRequest(now: now)
        spent.budget.applyGrant(now, requests: 1, tokens: 0, requestsLeft: 0, tokensLeft: nil)
        let reserved = spent.budget.reserve(tokens: 10, now: now)
        #expect(lease?.windowStart == now && reserved)
        let halfOpen = DeploymentHealth(
            breaker: CircuitBreaker(
                state: CircuitBreakerState(state: .halfOpen, probeHolder: "worker-2/job-9", probeExpiresAt: later)))

        let decision = try plan(
            "chat", health: ["gpt-4o": cooling, "gpt-4o-mini": exhausted, "claude-3-5-sonnet": spent])
        #expect(decision.order.isEmpty)
        #expect(decision.chosen == nil)
        #expect(decision.excluded.map(\.reason) == [.coolingDown, .providerLimitReached, .budgetSpent])
        #expect(decision.earliestRetryAt == now.addingTimeInterval(5))

        let probing = try plan("gpt-4o", health: ["gpt-4o": halfOpen])
        #expect(probing.excluded.map(\.reason) == [.probeInFlight])
        #expect(probing.earliestRetryAt == later)
    }

    @Test func contextWindowTooSmallIsExcludedAndNotRetried() throws {
        // deepseek-chat has a 64K window; 100K tokens only fit the others.
        let decision = try plan("cheap", tokens: 100_000)
        #expect(decision.excluded.map(\.deployment) == ["deepseek-chat"])
        #expect(decision.excluded.first?.reason == .contextWindowTooSmall)
        #expect(!decision.order.contains("deepseek-chat"))
        let none = try plan("deepseek-chat", tokens: 100_000)
        #expect(none.order.isEmpty && none.earliestRetryAt == nil)
    }

    @Test func contextLengthErrorFailsOverOnlyToLargerWindows() throws {
        let decision = try plan("cheap")  // gemini (1M), gpt-4o-mini (128K), deepseek (64K)
        #expect(decision.remainingOrder(afterContextLengthErrorOn: "gpt-4o-mini") == [])
        #expect(decision.remainingOrder(after: "gpt-4o-mini") == ["deepseek-chat"])
        let chat = try plan("chat")  // 128K targets, then claude 200K
        #expect(chat.remainingOrder(afterContextLengthErrorOn: chat.order[0]) == ["claude-3-5-sonnet"])
    }

    @Test func complexityFallsBackWhenTheClassifiedDeploymentIsDown() throws {
        let open = DeploymentHealth(
            breaker: CircuitBreaker(state: CircuitBreakerState(state: .open, openUntil: now.addingTimeInterval(60))))
        let decision = try plan("auto", "Solve the integral of x^2 * e^x dx step by step", health: ["gpt-4o": open])
        #expect(decision.classification?.taskType == .math)
        #expect(decision.order == ["gpt-4o-mini", "claude-3-5-sonnet"])
        #expect(decision.reasoning.contains { $0.contains("not available") })
    }

    @Test func llmVerdictOverridesTheRules() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let verdict = Classification(score: 9, taskType: .creative, reasoning: ["llm"], confidence: 0.7, mode: .llm)
        let decision = try planner.plan(
            route: "auto", request: Fixtures.request("What is 2+2?"), now: now, classification: verdict, using: &generator)
        #expect(decision.chosen == "claude-3-5-sonnet")
        #expect(decision.classification?.mode == .llm)
    }

    @Test func implicitRouteForEveryDeploymentAndUnknownRoutesThrow() throws {
        let config = GatewayConfig(
            providers: Fixtures.example.providers, deployments: Fixtures.example.deployments, routes: [])
        var generator = SeededRandomNumberGenerator(seed: 1)
        let decision = try RoutePlanner(config: config)
            .plan(route: "deepseek-chat", request: Fixtures.request("hi"), now: now, using: &generator)
        #expect(decision.order == ["deepseek-chat"])
        #expect(throws: RoutePlanner.PlanningError.unknownRoute("gpt-5")) {
            try RoutePlanner(config: config).plan(route: "gpt-5", request: Fixtures.request("hi"), now: now, using: &generator)
        }
    }

    @Test func deploymentsWithoutTheirKeyAreExcluded() throws {
        let real = try GatewayConfig.load(path: Fixtures.examplePath("switchyard.real.json"))
        let planner = RoutePlanner(config: real, environment: ["OPENAI_API_KEY": "sk-test"])
        var generator = SeededRandomNumberGenerator(seed: 1)
        let decision = try planner.plan(route: "chat", request: Fixtures.request("hi"), now: now, using: &generator)
        #expect(Set(decision.order) == ["gpt-4o", "gpt-4o-mini"])
        #expect(decision.excluded.map(\.reason) == [.noAPIKey])
        #expect(decision.excluded.first?.detail == "no API key: ANTHROPIC_API_KEY not set")
        #expect(planner.missingKeys["gpt-4o"] == nil)
        // The mock config's literal keys need no environment.
        #expect(RoutePlanner(config: Fixtures.example, environment: [:]).missingKeys.isEmpty)
    }

    @Test func retriesBoundTheCallsOfATry() throws {
        #expect(try plan("chat").maxCalls == 4)
        let config = try GatewayConfig.parse(
            GatewayConfigTests.config(
                routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "retries": 0}]"#,
                extra: #", "resilience": {"retries": 5}"#))
        var generator = SeededRandomNumberGenerator(seed: 1)
        let planner = RoutePlanner(config: config)
        #expect(try planner.plan(route: "a", request: Fixtures.request("x"), now: now, using: &generator).maxCalls == 1)
        #expect(try planner.plan(route: "gpt-4o-mini", request: Fixtures.request("x"), now: now, using: &generator).maxCalls == 6)
    }

    @Test func initialHealthCarriesConfiguredLimits() throws {
        let real = try GatewayConfig.load(path: Fixtures.examplePath("switchyard.real.json"))
        let health = DeploymentHealth.initial(for: real)
        #expect(health.count == real.deployments.count)
        #expect(health["gpt-4o"]?.budget.rpm == 500 && health["gpt-4o"]?.budget.tpm == 30_000)
        #expect(health["gpt-4o"]?.breaker.policy.consecutiveFailures == 5)
    }

    @Test func stalledJobsSnoozeUntilTheEarliestResetOrFailWhenWaitingCannotHelp() throws {
        var cooling = DeploymentHealth()
        cooling.rateLimit.cooldownUntil = now.addingTimeInterval(20)
        let open = DeploymentHealth(
            breaker: CircuitBreaker(state: CircuitBreakerState(state: .open, openUntil: now.addingTimeInterval(5))))
        var generator = SeededRandomNumberGenerator(seed: 5)
        let backoff = Backoff(baseMs: 1_000, maxMs: 60_000)

        let blocked = try plan("chat", health: ["gpt-4o": cooling, "gpt-4o-mini": open, "claude-3-5-sonnet": cooling])
        guard case .snooze(let until) = blocked.stall(now: now, snoozes: 0, backoff: backoff, using: &generator) else {
            Issue.record("expected a snooze")
            return
        }
        #expect(until >= now.addingTimeInterval(5) && until <= now.addingTimeInterval(5.25))

        let tooBig = try plan("deepseek-chat", tokens: 100_000)
        guard case .unroutable(let why) = tooBig.stall(now: now, snoozes: 0, backoff: backoff, using: &generator) else {
            Issue.record("expected unroutable")
            return
        }
        #expect(why.contains("context window 65536"))

        #expect(try plan("chat").stall(now: now, snoozes: 0, backoff: backoff, using: &generator) == nil)
    }

    @Test func traceSerialisesAndRoundTrips() throws {
        var decision = try plan("auto", "Write a haiku about the ocean")
        decision.attempts.append(
            .init(deployment: "claude-3-5-sonnet", outcome: "ok", status: 200, latencyMs: 812, startedAt: now.addingTimeInterval(0.25), failover: false))
        let json = decision.traceJSON()
        if ProcessInfo.processInfo.environment["DUMP_TRACE"] != nil { print(json) }
        let parsed = try JSONValue.parse(json)
        #expect(parsed["chosen"] == "claude-3-5-sonnet")
        #expect(parsed["strategy"] == "complexity")
        #expect(parsed["classification"]?["task_type"] == "creative")
        #expect(parsed["classification"]?["tier"] == "medium")
        #expect(parsed["candidates"]?.arrayValue?.count == 3)
        #expect(decision.reasoning.contains { $0.hasSuffix("~50% more than the baseline.") })
        #expect(parsed["attempts"]?[0]?["started_at"]?.stringValue?.hasPrefix("2027-01-15T") == true)
        #expect(try RoutingDecision.fromTraceJSON(json) == decision)
    }

    @Test func excludedTraceNamesTheReason() throws {
        var cooling = DeploymentHealth()
        cooling.rateLimit.cooldownUntil = now.addingTimeInterval(3)
        let parsed = try JSONValue.parse(try plan("gpt-4o", health: ["gpt-4o": cooling]).traceJSON())
        #expect(parsed["excluded"]?[0]?["reason"] == "cooling_down")
        #expect(parsed["earliest_retry_at"] != nil)
        #expect(parsed["chosen"] == nil)
    }
}

extension JSONValue {
    fileprivate subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
