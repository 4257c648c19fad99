import Foundation
import Providers

/// The `routing_trace` built directly as a ``JSONValue`` (the same keys and shape as the Codable
/// encoding, which ``RoutingDecision/fromTraceJSON(_:)`` reads): the worker writes one per job.
extension RoutingDecision {
    var traceValue: JSONValue {
        var object: [String: JSONValue] = [
            "route": .string(route),
            "strategy": .string(strategy.rawValue),
            "candidates": .array(candidates.map(\.traceValue)),
            "excluded": .array(excluded.map(\.traceValue)),
            "order": .array(order.map(JSONValue.string)),
            "reasoning": .array(reasoning.map(JSONValue.string)),
            "estimated_prompt_tokens": .int(estimatedPromptTokens),
            "max_calls": .int(maxCalls),
            "attempts": .array(attempts.map(\.traceValue)),
        ]
        if let chosen { object["chosen"] = .string(chosen) }
        if let classification { object["classification"] = classification.traceValue }
        if let earliestRetryAt { object["earliest_retry_at"] = .string(TraceTimestamp.string(earliestRetryAt)) }
        if !classifierCalls.isEmpty { object["classifier_calls"] = .array(classifierCalls.map(\.traceValue)) }
        return .object(object)
    }
}

extension RoutingDecision.Exclusion {
    var traceValue: JSONValue {
        var object: [String: JSONValue] = [
            "deployment": .string(deployment), "reason": .string(reason.rawValue), "detail": .string(detail),
        ]
        if let retryAt { object["retry_at"] = .string(TraceTimestamp.string(retryAt)) }
        return .object(object)
    }
}

extension RoutingDecision.Attempt {
    var traceValue: JSONValue {
        var object: [String: JSONValue] = [
            "deployment": .string(deployment), "outcome": .string(outcome),
            "started_at": .string(TraceTimestamp.string(startedAt)), "failover": .bool(failover),
        ]
        if let status { object["status"] = .int(status) }
        if let latencyMs { object["latency_ms"] = .double(latencyMs) }
        if let error { object["error"] = .string(error) }
        return .object(object)
    }
}

extension RoutingCandidate {
    var traceValue: JSONValue {
        var price: [String: JSONValue] = [
            "input_per_million": .double(self.price.inputPerMillion), "output_per_million": .double(self.price.outputPerMillion),
        ]
        if let cached = self.price.cachedInputPerMillion { price["cached_input_per_million"] = .double(cached) }
        var object: [String: JSONValue] = [
            "deployment": .string(deployment), "provider": .string(provider), "model": .string(model),
            "weight": .double(weight), "priority": .int(priority), "price": .object(price), "role": .string(role.rawValue),
        ]
        if let contextWindow { object["context_window"] = .int(contextWindow) }
        return .object(object)
    }
}

extension Classification {
    var traceValue: JSONValue {
        .object([
            "score": .int(score), "task_type": .string(taskType.rawValue), "tier": .string(tier.rawValue),
            "reasoning": .array(reasoning.map(JSONValue.string)), "confidence": .double(confidence),
            "mode": .string(mode.rawValue),
        ])
    }
}
