import Foundation
import Gateway
import Providers

extension LLMExecutor {
    /// What one provider call gave.
    struct CallResult {
        var usage: UsageRecord
        var completion: ChatCompletion?
        var error: ProviderError?
        var observation: RateLimitState.Observation?

        /// The call as the routing trace records it.
        var attempt: RoutingDecision.Attempt {
            RoutingDecision.Attempt(
                deployment: usage.deployment ?? "", outcome: usage.outcome, status: usage.httpStatus, latencyMs: usage.latencyMs,
                startedAt: usage.startedAt, failover: usage.failover, error: error?.description)
        }
    }

    /// Calls `deployment` once: the adapter of its wire format, the endpoint and key picked by
    /// rotation, the per-attempt timeout. Never throws: failures come back classified.
    /// - Parameter startedAt: the ledger's `started_at`: when the call's RPM/TPM lease was reserved,
    ///   so the ledger counts calls in the same windows as the budget.
    func call(
        _ deployment: String, request: ChatRequest, config: GatewayConfig, costs: CostCalculator?, route: String,
        rotation: Int, timeoutMs: Int, startedAt: Date = Date()
    ) async -> CallResult {
        var usage = UsageRecord(outcome: "network", startedAt: startedAt)
        usage.route = route
        usage.deployment = deployment
        guard let target = UpstreamTarget(config: config, deployment: deployment, rotation: rotation) else {
            usage.outcome = "client_error"
            return CallResult(usage: usage, error: ProviderError(kind: .badRequest, message: "deployment \(deployment) is not configured"))
        }
        usage.provider = target.provider.name
        usage.model = target.deployment.model
        usage.region = target.endpoint.region ?? target.deployment.region
        usage.apiKeyLabel = target.key?.label
        let key = target.key.flatMap { key in key.resolve(environment: settings.environment).map { ProviderKey($0, label: key.label) } }
        let format = target.provider.type
        let endpoint = ProviderEndpoint(
            format: format, baseURL: target.endpoint.baseURL, key: key, apiVersion: target.provider.apiVersion,
            deployment: target.deployment.azureDeployment)
        let adapter = format.adapter
        var result = CallResult(usage: usage)
        do {
            let upstreamRequest = try adapter.makeRequest(request, model: target.upstreamModel, endpoint: endpoint)
            let response = try await upstream.send(upstreamRequest, timeoutMs: timeoutMs)
            result.usage.httpStatus = response.status
            result.usage.latencyMs = response.latency * 1_000
            result.usage.ttfbMs = response.timeToFirstByte * 1_000
            if let info = RateLimitInfo.parse(response.headers) { result.observation = Self.observation(info, now: Date()) }
            let completion = try adapter.parseResponse(response, model: target.deployment.model)
            result.usage.outcome = "ok"
            let tokens = completion.usage
            result.usage.promptTokens = tokens?.promptTokens ?? 0
            result.usage.completionTokens = tokens?.completionTokens ?? 0
            result.usage.cachedTokens = tokens?.cachedTokens ?? 0
            let calculator = costs ?? CostCalculator(baseline: target.deployment.price)
            let breakdown = calculator.breakdown(
                promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens,
                cachedTokens: result.usage.cachedTokens, price: target.deployment.price)
            result.usage.costUSD = breakdown.costUSD
            result.usage.baselineCostUSD = breakdown.baselineCostUSD
            result.completion = completion
        } catch {
            let providerError = (error as? ProviderError)
                ?? ProviderError(kind: .network, message: "provider call failed")
            result.error = providerError
            result.usage.outcome = providerError.ledgerOutcome
            result.usage.error = providerError.description
            if result.usage.latencyMs == nil { result.usage.latencyMs = Date().timeIntervalSince(startedAt) * 1_000 }
            if result.usage.httpStatus == nil { result.usage.httpStatus = providerError.status }
            if let info = providerError.rateLimit {
                var observation = Self.observation(info, now: Date())
                if let after = providerError.retryAfter { observation.retryAfter = Date().addingTimeInterval(after) }
                result.observation = observation
            } else if let after = providerError.retryAfter {
                result.observation = RateLimitState.Observation(retryAfter: Date().addingTimeInterval(after))
            }
        }
        return result
    }

    /// Applies a successful call to the shared deployment state: latency, rate-limit headers, and
    /// the correction of its token reservation by the usage the provider reported.
    func noteSuccess(_ deployment: String, _ result: CallResult, estimatedTokens: Int, reservedAt: Date) {
        board.settleCall(
            deployment, estimatedTokens: estimatedTokens,
            actualTokens: result.usage.promptTokens + result.usage.completionTokens, reservedAt: reservedAt)
        board.record(deployment, success: true, countsAgainstBreaker: false, rateLimited: false, latencyMs: result.usage.latencyMs,
                     observation: result.observation, now: Date())
    }

    /// Applies a failed call to the shared deployment state (breaker, cooldown, learned limits).
    /// - Returns: the error and how it counts for routing.
    func noteFailure(_ deployment: String, _ result: CallResult) -> (error: ProviderError, failure: AttemptFailure) {
        let error = result.error ?? ProviderError(kind: .network, message: "no response")
        let failure = Self.attemptFailure(error)
        board.record(deployment, success: false, countsAgainstBreaker: failure.countsAgainstBreaker,
                     rateLimited: error.kind == .rateLimited, latencyMs: result.usage.latencyMs, observation: result.observation,
                     now: Date())
        if error.kind == .rateLimited { resilienceLog.rateLimited(deployment, cooldownUntil: board.cooldownUntil(deployment)) }
        return (error, failure)
    }

    static func observation(_ info: RateLimitInfo, now: Date) -> RateLimitState.Observation {
        let remainingTokens = [info.remainingTokens, info.remainingInputTokens, info.remainingOutputTokens].compactMap { $0 }.min()
        let resetTokens = [info.resetTokens, info.resetInputTokens, info.resetOutputTokens].compactMap { $0 }.max()
        return RateLimitState.Observation(
            now: now, remainingRequests: info.remainingRequests, resetRequestsAfter: info.resetRequests,
            remainingTokens: remainingTokens, resetTokensAfter: resetTokens, retryAfter: info.retryAfter,
            limitRequests: info.limitRequests, limitTokens: info.limitTokens)
    }

    /// How a provider error counts for routing.
    static func attemptFailure(_ error: ProviderError) -> AttemptFailure {
        switch error.kind {
        case .timeout: .timeout
        case .network, .cancelled: .network
        case .contextLengthExceeded: .contextLengthExceeded
        case .overloaded: .http(status: error.status ?? 529)
        case .rateLimited: .http(status: 429)
        case .serverError: .http(status: error.status ?? 500)
        default: .http(status: error.status ?? 400)
        }
    }
}
