import Foundation

/// Turns a route name and a request into a ``RoutingDecision``: the candidates, those excluded
/// and why, and the order to try the rest in. Pure: deployment health, the clock and randomness
/// are passed in, so the same inputs give the same decision.
///
/// The order follows DESIGN.md's contract: the strategy's pick first, then the route's other
/// targets (by descending weight for `weighted`, by the strategy's own ranking otherwise), then the
/// route's `fallbacks` in order. Excluded deployments are left out of the order.
public struct RoutePlanner: Sendable {
    public enum PlanningError: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownRoute(String)

        public var description: String {
            switch self {
            case .unknownRoute(let name): "unknown model or route \"\(name)\""
            }
        }
    }

    public let config: GatewayConfig
    public let classifier: ComplexityClassifier
    /// Deployments whose provider needs a key and has none set, with the variables it names.
    public let missingKeys: [String: [String]]
    let routesByName: [String: RouteConfig]
    let candidatesByName: [String: RoutingCandidate]

    /// - Parameters:
    ///   - environment: where key variables are looked up, to exclude deployments whose provider
    ///     has no key set (a real config run with only some keys); nil skips the check.
    public init(
        config: GatewayConfig, classifier: ComplexityClassifier = ComplexityClassifier(),
        environment: [String: String]? = nil
    ) {
        self.config = config
        self.classifier = classifier
        var routes: [String: RouteConfig] = [:]
        for name in config.publicModelNames { routes[name] = config.route(named: name) }
        self.routesByName = routes
        var candidates: [String: RoutingCandidate] = [:]
        for deployment in config.deployments { candidates[deployment.name] = config.candidate(for: deployment.name) }
        self.candidatesByName = candidates
        var missing: [String: [String]] = [:]
        if let environment {
            for deployment in config.deployments {
                guard let provider = config.provider(named: deployment.provider), !provider.keys.isEmpty,
                    !provider.keys.contains(where: { $0.resolve(environment: environment) != nil })
                else { continue }
                missing[deployment.name] = provider.keys.compactMap {
                    if case .environment(let name) = $0.source { name } else { nil }
                }
            }
        }
        self.missingKeys = missing
    }

    private func candidate(_ name: String, weight: Double? = nil, priority: Int? = nil, role: RoutingCandidate.Role)
        -> RoutingCandidate?
    {
        guard var candidate = candidatesByName[name] else { return nil }
        if let weight { candidate.weight = weight }
        if let priority { candidate.priority = priority }
        candidate.role = role
        return candidate
    }

    /// Plans one try of a job.
    ///
    /// - Parameters:
    ///   - routeName: the model name the client asked for.
    ///   - request: prompt text and token estimates.
    ///   - health: what is known about each deployment; a missing entry counts as healthy.
    ///   - holder: who would take a half-open probe (`"worker-1/job-42"`), so a probe this caller
    ///     already holds does not exclude the deployment.
    ///   - classification: for `complexity` routes, a verdict obtained elsewhere (the LLM classifier);
    ///     nil runs the rule-based classifier.
    ///   - generator: randomness for `weighted` picks.
    /// - Throws: ``PlanningError/unknownRoute(_:)``.
    public func plan(
        route routeName: String, request: RoutingRequest, health: [String: DeploymentHealth] = [:], now: Date,
        holder: String = "", classification: Classification? = nil,
        using generator: inout some RandomNumberGenerator
    ) throws(PlanningError) -> RoutingDecision {
        guard let route = routesByName[routeName] else { throw .unknownRoute(routeName) }
        var reasoning: [String] = []

        var candidates: [RoutingCandidate] = route.targets.compactMap {
            candidate($0.deployment, weight: $0.weight, priority: $0.priority, role: .target)
        }

        var verdict: Classification?
        var classified: String?
        if route.strategy == .complexity, let table = route.complexity {
            let result = classification ?? classifier.classify(request.prompt)
            verdict = result
            reasoning.append(
                "Prompt classified as '\(result.taskType.rawValue)' with complexity \(result.score)/10 (\(result.mode.rawValue)).")
            reasoning.append(
                "Complexity \(result.score) falls in the \(result.tier.rawValue.uppercased()) tier (range \(result.tier.range.lowerBound)-\(result.tier.range.upperBound)).")
            if let name = table.deployment(tier: result.tier, task: result.taskType) {
                classified = name
                reasoning.append(
                    "For \(result.tier.rawValue.uppercased()) complexity + '\(result.taskType.rawValue)' tasks, the table routes to \(name).")
                if !candidates.contains(where: { $0.deployment == name }),
                    let classifiedCandidate = candidate(name, role: .classified)
                {
                    candidates.insert(classifiedCandidate, at: 0)
                }
            }
        }
        for name in route.fallbacks where !candidates.contains(where: { $0.deployment == name }) {
            if let fallback = candidate(name, role: .fallback) { candidates.append(fallback) }
        }

        let (excluded, eligible) = screen(candidates, request: request, health: health, now: now, holder: holder)

        // The eligible targets in the strategy's order; then the classified deployment and fallbacks.
        let targets = candidates.filter { $0.role == .target && eligible.contains($0.deployment) }
        var order: [String]
        if route.strategy == .complexity {
            order = Self.priorityOrder(targets).map(\.deployment)
            if let classified {
                order.removeAll { $0 == classified }
                if eligible.contains(classified) { order.insert(classified, at: 0) }
            }
        } else {
            let (ordered, why) = orderTargets(targets, strategy: route.strategy, request: request, health: health, using: &generator)
            order = ordered.map(\.deployment)
            if let why { reasoning.append(why) }
        }
        for candidate in candidates where candidate.role != .target && eligible.contains(candidate.deployment) {
            if !order.contains(candidate.deployment) { order.append(candidate.deployment) }
        }

        if verdict != nil, let first = order.first, let pick = candidates.first(where: { $0.deployment == first }) {
            reasoning.append(contentsOf: costReasoning(pick: pick, request: request, classified: classified))
        }
        if !excluded.isEmpty {
            reasoning.append("Excluded: " + excluded.map { "\($0.deployment) (\($0.reason.rawValue))" }.joined(separator: ", ") + ".")
        }
        if order.isEmpty {
            reasoning.append("No candidate can be called now.")
        } else if order.count > 1 {
            reasoning.append("Attempt order: " + order.joined(separator: " → ") + ".")
        }

        return RoutingDecision(
            route: route.name, strategy: route.strategy, candidates: candidates, excluded: excluded, order: order,
            classification: verdict, reasoning: reasoning, estimatedPromptTokens: request.estimatedPromptTokens,
            maxCalls: (route.retries ?? config.resilience.retries) + 1)
    }

    /// Splits candidates into those that cannot be called now (with why and until when) and the rest.
    private func screen(
        _ candidates: [RoutingCandidate], request: RoutingRequest, health: [String: DeploymentHealth], now: Date,
        holder: String
    ) -> ([RoutingDecision.Exclusion], Set<String>) {
        var excluded: [RoutingDecision.Exclusion] = []
        var eligible: Set<String> = []
        for candidate in candidates {
            if let variables = missingKeys[candidate.deployment] {
                let detail =
                    variables.isEmpty ? "no API key" : "no API key: \(variables.joined(separator: ", ")) not set"
                excluded.append(.init(deployment: candidate.deployment, reason: .noAPIKey, detail: detail, retryAt: nil))
                continue
            }
            if let window = candidate.contextWindow, request.estimatedPromptTokens > window {
                excluded.append(
                    .init(
                        deployment: candidate.deployment, reason: .contextWindowTooSmall,
                        detail: "prompt ~\(request.estimatedPromptTokens) tokens > context window \(window)", retryAt: nil))
                continue
            }
            let state = health[candidate.deployment] ?? DeploymentHealth()
            if let (reason, retryAt) = state.exclusion(holder: holder, tokens: request.budgetTokens, now: now) {
                let detail = retryAt.map { "\(reason.rawValue) until \(Self.timestamp($0))" } ?? reason.rawValue
                excluded.append(.init(deployment: candidate.deployment, reason: reason, detail: detail, retryAt: retryAt))
                continue
            }
            eligible.insert(candidate.deployment)
        }
        return (excluded, eligible)
    }

    /// Orders eligible targets by a (non-complexity) strategy, with one line of reasoning.
    private func orderTargets(
        _ targets: [RoutingCandidate], strategy: RoutingStrategy, request: RoutingRequest,
        health: [String: DeploymentHealth], using generator: inout some RandomNumberGenerator
    ) -> ([RoutingCandidate], String?) {
        switch strategy {
        case .weighted:
            let order = Self.weightedOrder(targets, using: &generator)
            guard let pick = order.first else { return (order, nil) }
            let total = targets.reduce(0) { $0 + $1.weight }
            return (
                order,
                "Weighted pick \(pick.deployment) (weight \(Self.number(pick.weight)) of \(Self.number(total)) among eligible targets)."
            )
        case .priority, .complexity:
            let order = Self.priorityOrder(targets)
            return (order, order.first.map { "Highest priority eligible target: \($0.deployment)." })
        case .leastLatency:
            let latencies = health.compactMapValues(\.latency.milliseconds)
            let order = Self.leastLatencyOrder(targets, latencies: latencies)
            guard let pick = order.first else { return (order, nil) }
            let detail =
                latencies[pick.deployment].map { "EWMA \(Self.number($0.rounded())) ms" } ?? "no latency measured yet: explored"
            return (order, "Lowest latency eligible target: \(pick.deployment) (\(detail)).")
        case .cost:
            let prompt = request.estimatedPromptTokens
            let completion = request.expectedCompletionTokens
            let order = Self.costOrder(targets, promptTokens: prompt, completionTokens: completion)
            guard let pick = order.first else { return (order, nil) }
            let cost = pick.estimatedCost(promptTokens: prompt, completionTokens: completion)
            return (order, "Cheapest eligible target: \(pick.deployment) (~$\(Self.usd(cost)) for this prompt).")
        }
    }

    /// Seed 004's step 4: the estimate against the baseline model.
    private func costReasoning(pick: RoutingCandidate, request: RoutingRequest, classified: String?) -> [String] {
        var lines: [String] = []
        if let classified, classified != pick.deployment {
            lines.append("\(classified) is not available now; using \(pick.deployment).")
        }
        guard let baseline = config.baselinePrice else { return lines }
        let calculator = CostCalculator(baseline: baseline)
        let estimate = calculator.breakdown(
            promptTokens: request.estimatedPromptTokens, completionTokens: request.expectedCompletionTokens,
            price: pick.price)
        let percent = Int(estimate.savingsPercent.rounded())
        let comparison = percent >= 0 ? "~\(percent)% cost reduction" : "~\(-percent)% more than the baseline"
        lines.append(
            "Estimated ~$\(Self.usd(estimate.costUSD)) vs ~$\(Self.usd(estimate.baselineCostUSD)) on \(config.baselineModel) (baseline): \(comparison)."
        )
        return lines
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func usd(_ value: Double) -> String {
        String(format: "%.6f", value)
    }
}
