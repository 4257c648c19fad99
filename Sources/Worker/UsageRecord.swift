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

    /// Appends the row as a JSON object for `jsonb_to_recordset`, tagged with its job and claim.
    func write(into writer: inout JSONRecordWriter, jobID: Int64, attempt: Int32, workerID: String?) {
        writer.beginRecord()
        writer.add("job_id", jobID)
        writer.add("attempt", attempt)
        writer.add("route", route)
        writer.add("deployment", deployment)
        writer.add("provider", provider)
        writer.add("model", model)
        writer.add("region", region)
        writer.add("api_key_label", apiKeyLabel)
        writer.add("outcome", outcome)
        writer.add("http_status", httpStatus)
        writer.add("started_at", LedgerWriter.timestamp(startedAt))
        writer.add("latency_ms", latencyMs)
        writer.add("ttfb_ms", ttfbMs)
        writer.add("prompt_tokens", promptTokens)
        writer.add("completion_tokens", completionTokens)
        writer.add("cached_tokens", cachedTokens)
        writer.add("cost_usd", costUSD)
        writer.add("baseline_cost_usd", baselineCostUSD)
        writer.add("failover", failover)
        writer.add("worker_id", workerID)
        writer.add("error", error)
    }
}
