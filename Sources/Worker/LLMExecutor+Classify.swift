import Foundation
import Gateway
import Providers

extension LLMExecutor {
    /// What the LLM classifier gave a `complexity` route: the verdict to route by (the rules' when
    /// the classifier failed), its provider call for the ledger and the trace, and lines of reasoning.
    struct ClassifierVerdict {
        var classification: Classification
        var usage: [UsageRecord] = []
        var calls: [RoutingDecision.Attempt] = []
        var notes: [String]
    }

    /// Most deployments of the classifier route tried for one job (a failover on a retryable error).
    static let maxClassifierCalls = 2

    /// Classifies `prompt` by asking the classifier route's model (``LLMClassifierPrompt``), through
    /// the same upstream client, breakers and RPM/TPM budgets as any call. The call is its own usage
    /// row of the job (route = the classifier route; no baseline cost: it exists only because of
    /// routing). A deployment whose breaker needs a probe is skipped: a classification never
    /// probes. When every call fails, times out or the answer does not parse, the rule-based
    /// classifier decides, and the notes say why.
    func classifyWithLLM(
        _ prompt: String, settings: ClassifierSettings, loaded: Loaded, holder: String, rotation: Int,
        using random: inout SystemRandomNumberGenerator
    ) async -> ClassifierVerdict {
        let prompter = LLMClassifierPrompt()
        var usage: [UsageRecord] = []
        var attempts: [RoutingDecision.Attempt] = []
        func fallback(_ why: String) -> ClassifierVerdict {
            var classification = loaded.planner.classifier.classify(prompt)
            classification.reasoning.insert("LLM classifier: \(why); the rule-based classifier decided.", at: 0)
            return ClassifierVerdict(
                classification: classification, usage: usage, calls: attempts,
                notes: ["LLM classifier \(settings.route.map { "(route \($0)) " } ?? "")failed: \(why); rule-based fallback."])
        }
        guard let routeName = settings.route else { return fallback("no classifier route configured") }
        let requestJSON = prompter.request(for: prompt, model: routeName)
        let routing = RoutingRequest(request: requestJSON)
        guard let request = try? ChatRequest(json: requestJSON) else { return fallback("the classifier request is invalid") }
        let decision: RoutingDecision
        do {
            decision = try loaded.planner.plan(
                route: routeName, request: routing, health: board.snapshot(), now: Date(), holder: holder, using: &random)
        } catch {
            return fallback(error.description)
        }
        var why = "no deployment of route \(routeName) can be called now"
        var calls = 0
        for name in decision.order where calls < Self.maxClassifierCalls {
            let reservedAt = Date()
            guard !board.needsProbe(name, now: reservedAt) else { continue }
            guard board.reserveCall(name, tokens: routing.budgetTokens, now: reservedAt) else { continue }
            var result = await call(
                name, request: request, config: loaded.config, costs: loaded.costs, route: routeName,
                rotation: rotation &+ calls, timeoutMs: settings.timeoutMs, startedAt: reservedAt)
            calls += 1
            result.usage.baselineCostUSD = 0
            result.usage.failover = calls > 1
            usage.append(result.usage)
            attempts.append(result.attempt)
            if let completion = result.completion {
                noteSuccess(name, result, estimatedTokens: routing.budgetTokens, reservedAt: reservedAt)
                do {
                    let classification = try prompter.parse(completion.text ?? "")
                    let latency = result.usage.latencyMs.map { " in \(Int($0.rounded())) ms" } ?? ""
                    return ClassifierVerdict(
                        classification: classification, usage: usage, calls: attempts,
                        notes: ["LLM classifier: route \(routeName) (\(name)) answered\(latency)."])
                } catch {
                    return fallback("unparseable answer from \(name) (\(error.description))")
                }
            }
            let (error, _) = noteFailure(name, result)
            why = "\(name): \(error.kind == .timeout ? "timed out after \(settings.timeoutMs) ms" : error.description)"
            if !error.isRetryable { break }
        }
        return fallback(why)
    }
}
