import Foundation
import Gateway
import Providers
import Queue

extension LLMExecutor {
    public func execute(_ job: ClaimedJob, context: JobContext) async -> JobOutcome {
        guard let loaded = current else {
            return .failed(JobError(code: "no_config", message: "no gateway config applied; run 'switchyard config apply FILE'"), retryable: true)
        }
        let requestJSON: JSONValue
        let request: ChatRequest
        do {
            requestJSON = try JSONValue.parse(job.request)
            request = try ChatRequest(json: requestJSON)
        } catch {
            return .failed(JobError(code: "invalid_request", message: "\(error)"), retryable: false)
        }
        let config = loaded.config
        let now = Date()
        let holder = "\(settings.workerID)/\(job.id)"
        var random = SystemRandomNumberGenerator()
        let routing = RoutingRequest(request: requestJSON)
        var decision: RoutingDecision
        do {
            decision = try loaded.planner.plan(
                route: job.route, request: routing, health: board.snapshot(), now: now, holder: holder, using: &random)
        } catch {
            return .failed(JobError(code: "unknown_route", message: error.description), retryable: false)
        }
        guard let route = config.route(named: job.route) else {
            return .failed(JobError(code: "unknown_route", message: "unknown model or route \"\(job.route)\""), retryable: false)
        }
        var records = JobRecords()

        // Cache first: the keys of every model the route could answer with, the chosen one's first.
        // A stored answer needs no healthy deployment, and in LLM-classifier mode no classifier call.
        let options = try? JSONValue.parse(job.options)
        let ttl = config.cacheTTLSeconds(route: route, jobOption: options?["cache"])
        let timeoutMs = route.attemptTimeoutMs ?? config.resilience.attemptTimeoutMs
        var cacheKey: String?
        var cacheKeys: [String: String] = [:]  // model → key
        let lookups = ttl == nil ? [] : loaded.planner.cacheCandidates(for: decision)
        let classifier = route.strategy == .complexity ? route.classifier.flatMap { $0.mode == .llm ? $0 : nil } : nil
        if !lookups.isEmpty {
            // A job that cannot call now only looks: a hit answers it, a miss snoozes it as before.
            let claim = !decision.order.isEmpty || classifier != nil
            let models = lookups.map(\.model)
            let keys = CacheKey.keys(request: requestJSON, models: models).map(\.hex)
            for (model, key) in zip(models, keys) { cacheKeys[model] = key }
            let pendingMs = timeoutMs * max(1, decision.maxCalls) + 1_000
            switch await cacheLookups.lookup(keys: keys, models: models, pendingMs: pendingMs, claim: claim) {
            case .hit(let response, let answeredModel, let key)?:
                let deployment = lookups[keys.firstIndex(of: key) ?? 0]
                return cacheHit(
                    response: response, model: answeredModel, deployment: deployment, key: key, decision: decision,
                    loaded: loaded, now: now)
            case .pending? where claim:
                let delay = Double(Int.random(in: 50...200, using: &random)) / 1_000
                return .snoozed(until: now.addingTimeInterval(delay))
            case .pending?:
                break  // Nothing stored; the stall below decides when to try again.
            case .claimed?:
                cacheKey = keys.first
                records.cacheKey = keys.first
            case nil:
                break  // The cache is unavailable: call without it.
            }
        }

        // LLM-classifier mode: ask the classifier route, then route by its verdict (or the rules').
        if let classifier {
            let verdict = await classifyWithLLM(
                routing.prompt, settings: classifier, loaded: loaded, holder: holder, rotation: Int(job.id), using: &random)
            records.usage.append(contentsOf: verdict.usage)
            do {
                decision = try loaded.planner.plan(
                    route: job.route, request: routing, health: board.snapshot(), now: Date(), holder: holder,
                    classification: verdict.classification, using: &random)
            } catch {
                records.releasedPendingKey = cacheKey
                return .recorded(.failed(JobError(code: "unknown_route", message: error.description), retryable: false), records)
            }
            decision.classifierCalls = verdict.calls
            decision.reasoning.insert(contentsOf: verdict.notes, at: 0)
        }

        let turnedAway = decision.excluded.filter { $0.reason == .budgetSpent }.map(\.deployment)
        if !turnedAway.isEmpty { board.noteTurnedAway(turnedAway, tokens: routing.budgetTokens) }
        if let stall = decision.stall(now: now, snoozes: Int(job.snoozes), backoff: config.resilience.backoff, using: &random) {
            records.routingTrace = decision.traceJSON()
            records.releasedPendingKey = cacheKey
            switch stall {
            case .snooze(let until):
                let why = decision.excluded.map { "\($0.deployment): \($0.reason.rawValue)" }.joined(separator: ", ")
                return .recorded(.snoozed(until: until, reason: JobError(code: "no_deployment_available", message: why)), records)
            case .unroutable(let message):
                return .recorded(.failed(JobError(code: "unroutable", message: message), retryable: false), records)
            }
        }

        var remaining = decision.order
        var calls = 0
        var lastError: ProviderError?
        var onlyRateLimited = true
        var budgetSkipped = false
        while !remaining.isEmpty && calls < decision.maxCalls {
            if context.isCancelled {
                records.releasedPendingKey = cacheKey
                records.routingTrace = decision.traceJSON()
                return .recorded(.failed(.cancelled, retryable: false), records)
            }
            let name = remaining.removeFirst()
            let reservedAt = Date()
            guard board.reserveCall(name, tokens: routing.budgetTokens, now: reservedAt) else {
                budgetSkipped = true  // Another job took the last of this worker's RPM/TPM lease.
                continue
            }
            var isProbe = false
            if board.needsProbe(name, now: reservedAt) {
                guard await board.acquireProbe(name, holder: holder) else {
                    board.refundCall(name, tokens: routing.budgetTokens, reservedAt: reservedAt)
                    continue
                }
                isProbe = true
            }
            if calls > 0, let failed = decision.attempts.last { resilienceLog.failover(jobID: job.id, route: job.route, from: failed, to: name) }
            var result = await call(
                name, request: request, config: config, costs: loaded.costs, route: job.route,
                rotation: Int(job.id) &+ calls, timeoutMs: timeoutMs, startedAt: reservedAt)
            result.usage.failover = calls > 0
            calls += 1
            records.usage.append(result.usage)
            decision.attempts.append(result.attempt)

            if let completion = result.completion {
                noteSuccess(name, result, estimatedTokens: routing.budgetTokens, reservedAt: reservedAt)
                if isProbe { await board.settleProbe(name, holder: holder, success: true) }
                let text = String(decoding: completion.jsonBytes(), as: UTF8.self)
                records.routingTrace = decision.traceJSON()
                if let cacheKey, let ttl {
                    // Stored under the key of the model that answered; the marker on the chosen one's goes.
                    let model = decision.candidate(named: name)?.model ?? completion.model
                    let key = cacheKeys[model] ?? CacheKey(request: requestJSON, model: model).hex
                    records.cacheEntry = JobRecords.CacheEntry(key: key, model: completion.model, response: text, ttlSeconds: ttl)
                    records.cacheKey = key
                    if key != cacheKey { records.releasedPendingKey = cacheKey }
                }
                return .recorded(.succeeded(result: text), records)
            }

            let (error, failure) = noteFailure(name, result)
            if isProbe { await board.settleProbe(name, holder: holder, success: !failure.countsAgainstBreaker) }
            lastError = error
            if error.kind != .rateLimited { onlyRateLimited = false }
            if error.kind == .cancelled {
                records.releasedPendingKey = cacheKey
                records.routingTrace = decision.traceJSON()
                return .recorded(.failed(.cancelled, retryable: false), records)
            }
            if error.kind == .contextLengthExceeded && route.failover.shouldFailOver(after: failure) {
                let larger = Set(decision.remainingOrder(afterContextLengthErrorOn: name))
                remaining = remaining.filter { larger.contains($0) }
                if !remaining.isEmpty { continue }
            }
            if !error.isRetryable {
                records.releasedPendingKey = cacheKey
                records.routingTrace = decision.traceJSON()
                return .recorded(.failed(Self.jobError(error), retryable: false), records)
            }
            if !route.failover.shouldFailOver(after: failure) { break }
        }

        records.releasedPendingKey = cacheKey
        records.routingTrace = decision.traceJSON()
        guard let lastError else {
            if budgetSkipped {
                // The RPM/TPM lease ran out between routing and calling: retry when it is renewed.
                let later = Date()
                let until = board.earliestBudgetCall(decision.order, tokens: routing.budgetTokens, now: later)
                    ?? later.addingTimeInterval(Double(board.syncIntervalMs) / 1_000)
                let jitter = Double(Int.random(in: 0...50, using: &random)) / 1_000
                return .recorded(.snoozed(until: until.addingTimeInterval(jitter),
                                          reason: JobError(code: "budget_spent", message: "the configured RPM/TPM is used up for now")), records)
            }
            // Every deployment left needed the half-open probe another worker holds.
            let delay = Double(config.resilience.backoff.delayMs(attempt: Int(job.snoozes) + 1, using: &random)) / 1_000
            return .recorded(.snoozed(until: now.addingTimeInterval(min(delay, 1)),
                                      reason: JobError(code: "probe_in_flight", message: "waiting for a breaker probe")), records)
        }
        if onlyRateLimited {
            return .recorded(.snoozed(until: rateLimitedUntil(decision.order, config: config, using: &random),
                                      reason: Self.jobError(lastError)), records)
        }
        return .recorded(.failed(Self.jobError(lastError), retryable: true), records)
    }

    /// When every call was rate limited: the earliest cooldown end among the route's deployments
    /// (else the default cooldown), plus up to 250 ms of jitter.
    private func rateLimitedUntil(_ order: [String], config: GatewayConfig, using random: inout SystemRandomNumberGenerator) -> Date {
        let now = Date()
        let health = board.snapshot()
        let ends = order.compactMap { health[$0]?.rateLimit.cooldownUntil }.filter { $0 > now }
        let until = ends.min() ?? now.addingTimeInterval(Double(config.resilience.defaultCooldownMs) / 1_000)
        return until.addingTimeInterval(Double(Int.random(in: 0...250, using: &random)) / 1_000)
    }

    /// A job answered from the cache: `deployment` is the candidate whose key held the answer.
    private func cacheHit(
        response: String, model: String, deployment: RoutingCandidate, key: String, decision: RoutingDecision,
        loaded: Loaded, now: Date
    ) -> JobOutcome {
        var decision = decision
        let completion = try? ChatCompletion(jsonBytes: Array(response.utf8))
        var usage = UsageRecord(outcome: "cache_hit", startedAt: now)
        usage.route = decision.route
        usage.deployment = deployment.deployment
        usage.provider = deployment.provider
        usage.model = model.isEmpty ? deployment.model : model
        usage.latencyMs = Date().timeIntervalSince(now) * 1_000
        usage.promptTokens = completion?.usage?.promptTokens ?? 0
        usage.completionTokens = completion?.usage?.completionTokens ?? 0
        if let costs = loaded.costs {
            usage.baselineCostUSD = costs.cacheHit(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens).baselineCostUSD
        }
        decision.reasoning.append("Answered from the cache: an answer \(deployment.deployment) gave to the same request.")
        decision.attempts.append(RoutingDecision.Attempt(
            deployment: deployment.deployment, outcome: "cache_hit", latencyMs: usage.latencyMs, startedAt: now, failover: false))
        var records = JobRecords()
        records.usage = [usage]
        records.routingTrace = decision.traceJSON()
        records.cacheKey = key
        records.cacheHitKey = key
        return .recorded(.succeeded(result: response), records)
    }

    static func jobError(_ error: ProviderError) -> JobError {
        JobError(code: error.kind.rawValue, message: error.message, detail: error.status.map { "HTTP \($0)" })
    }
}
