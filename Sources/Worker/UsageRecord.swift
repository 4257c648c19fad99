import Foundation
import Providers

/// One row of the usage ledger (`switchyard.attempts`): a provider call or a cache hit.
/// Never holds a key, only its label.
public struct UsageRecord: Sendable {
    public var route: String?
    public var deployment: String?
    /// The config's provider name.
    public var provider: String?
    public var model: String?
    public var region: String?
    public var apiKeyLabel: String?
    /// ok, cache_hit, rate_limited, server_error, timeout, network, client_error, cancelled.
    public var outcome: String
    public var httpStatus: Int?
    public var startedAt: Date
    public var latencyMs: Double?
    public var ttfbMs: Double?
    public var promptTokens = 0
    public var completionTokens = 0
    public var cachedTokens = 0
    public var costUSD = 0.0
    public var baselineCostUSD = 0.0
    public var failover = false
    public var error: String?

    public init(outcome: String, startedAt: Date) {
        self.outcome = outcome
        self.startedAt = startedAt
    }

    /// The row as a JSON object for `jsonb_to_recordset`, tagged with its job and claim.
    func json(jobID: Int64, attempt: Int32, workerID: String?) -> JSONValue {
        var object: [String: JSONValue] = [
            "job_id": .int(Int(jobID)), "attempt": .int(Int(attempt)), "outcome": .string(outcome),
            "started_at": .string(LedgerWriter.timestamp(startedAt)),
            "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
            "cached_tokens": .int(cachedTokens), "cost_usd": .double(costUSD),
            "baseline_cost_usd": .double(baselineCostUSD), "failover": .bool(failover),
        ]
        func put(_ key: String, _ value: String?) { if let value { object[key] = .string(value) } }
        put("route", route)
        put("deployment", deployment)
        put("provider", provider)
        put("model", model)
        put("region", region)
        put("api_key_label", apiKeyLabel)
        put("worker_id", workerID)
        put("error", error)
        if let httpStatus { object["http_status"] = .int(httpStatus) }
        if let latencyMs { object["latency_ms"] = .double(latencyMs) }
        if let ttfbMs { object["ttfb_ms"] = .double(ttfbMs) }
        return .object(object)
    }
}
