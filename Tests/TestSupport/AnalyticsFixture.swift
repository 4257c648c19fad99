import Foundation
import Postgres

/// A database with a known ledger, for the analytics views' tests.
///
/// Every ledger row of `loadKnownLedger()` starts in the minute `minute` (2025-06-01 10:00 UTC), on
/// route `chat`:
///
/// | deployment (provider/model)         | rows                                                                              |
/// |---|---|
/// | gpt-4o (openai/gpt-4o)              | 5 ok: 100…500 ms, 10+20 tokens (2 cached), $0.01 (baseline $0.01); 1 server_error 50 ms; 2 cache_hit 10+20 tokens, $0 (baseline $0.01) |
/// | gpt-4o-mini (openai/gpt-4o-mini)    | 3 ok: 10, 20, 30 ms, 10+5 tokens, $0.001 (baseline $0.01); 1 rate_limited 5 ms — all client 7 (or `clientID`) |
/// | claude (anthropic/claude-3-5-sonnet) | 1 ok with failover = true, 1000 ms, 10+10 tokens, $0.005 (baseline $0.01), after gpt-4o's server_error in the same job |
///
/// Each row has its own job except the failover job (two rows). Jobs are finished at minute + 30 s
/// (succeeded; the rate-limited one failed) in queue `default`. Shared by the views' SQL tests and
/// the `/v1/analytics` and `/metrics` API tests.
public struct AnalyticsFixture: Sendable {
    public static let minute = "2025-06-01T10:00:00Z"
    public let url: String
    public let client: PostgresClient

    public init(url: String, client: PostgresClient) {
        self.url = url
        self.client = client
    }

    public static func make(_ name: String = #function) async throws -> AnalyticsFixture {
        let url = try await TestDatabase.create(name)
        return AnalyticsFixture(url: url, client: TestDatabase.client(url))
    }

    /// Inserts a job and returns its id.
    @discardableResult
    public func job(queue: String = "default", state: String = "succeeded", client clientID: Int? = nil,
             runAt: String? = nil, finishedAt: String? = "2025-06-01T10:00:30Z") async throws -> Int64 {
        let finished = ["succeeded", "failed", "cancelled"].contains(state) ? finishedAt : nil
        let rows = try await client.query(
            """
            INSERT INTO switchyard.jobs (queue, state, client_id, route, request, run_at, finished_at)
            VALUES ($1, $2, $3::bigint, 'chat', '{}', coalesce($4::timestamptz, now()), $5::timestamptz)
            RETURNING id
            """, [queue, state, clientID, runAt, finished])
        guard let id = rows.first?.int64("id") else { throw FixtureError(message: "job insert returned no id") }
        return id
    }

    // Swift 6 type-checks long argument lists slowly; a struct keeps each call short.
    public struct Row: Sendable {
        public var deployment: String
        public var provider: String
        public var model: String
        public var outcome = "ok"
        public var latency: Double? = nil
        public var prompt = 0
        public var completion = 0
        public var cached = 0
        public var cost = "0"
        public var baseline = "0"
        public var failover = false
        public var startedAt: String? = nil   // nil: now()

        public init(deployment: String, provider: String, model: String, outcome: String = "ok", latency: Double? = nil,
                    prompt: Int = 0, completion: Int = 0, cached: Int = 0, cost: String = "0", baseline: String = "0",
                    failover: Bool = false, startedAt: String? = nil) {
            self.deployment = deployment
            self.provider = provider
            self.model = model
            self.outcome = outcome
            self.latency = latency
            self.prompt = prompt
            self.completion = completion
            self.cached = cached
            self.cost = cost
            self.baseline = baseline
            self.failover = failover
            self.startedAt = startedAt
        }
    }

    public func attempt(job: Int64, _ row: Row) async throws {
        _ = try await client.query(
            """
            INSERT INTO switchyard.attempts (job_id, attempt, route, deployment, provider, model, outcome, latency_ms,
                prompt_tokens, completion_tokens, cached_tokens, cost_usd, baseline_cost_usd, failover, started_at)
            VALUES ($1, 1, 'chat', $2, $3, $4, $5, $6::double precision, $7, $8, $9, $10::numeric, $11::numeric, $12,
                    coalesce($13::timestamptz, now()))
            """,
            [job, row.deployment, row.provider, row.model, row.outcome, row.latency, row.prompt, row.completion,
             row.cached, row.cost, row.baseline, row.failover, row.startedAt])
    }

    public static func at(second: Int) -> String { String(format: "2025-06-01T10:00:%02dZ", second) }

    /// - Parameter clientID: the client of gpt-4o-mini's jobs (the others have none).
    public func loadKnownLedger(clientID: Int = 7) async throws {
        var second = 0
        func next() -> String { second += 1; return Self.at(second: second) }
        for latency in [100.0, 200, 300, 400, 500] {
            try await attempt(job: try await job(), Row(
                deployment: "gpt-4o", provider: "openai", model: "gpt-4o", latency: latency, prompt: 10,
                completion: 20, cached: 2, cost: "0.01", baseline: "0.01", startedAt: next()))
        }
        let failoverJob = try await job()
        try await attempt(job: failoverJob, Row(
            deployment: "gpt-4o", provider: "openai", model: "gpt-4o", outcome: "server_error", latency: 50,
            startedAt: next()))
        try await attempt(job: failoverJob, Row(
            deployment: "claude", provider: "anthropic", model: "claude-3-5-sonnet", latency: 1000, prompt: 10,
            completion: 10, cost: "0.005", baseline: "0.01", failover: true, startedAt: next()))
        for _ in 0..<2 {
            try await attempt(job: try await job(), Row(
                deployment: "gpt-4o", provider: "openai", model: "gpt-4o", outcome: "cache_hit", latency: 1,
                prompt: 10, completion: 20, baseline: "0.01", startedAt: next()))
        }
        for latency in [10.0, 20, 30] {
            try await attempt(job: try await job(client: clientID), Row(
                deployment: "gpt-4o-mini", provider: "openai", model: "gpt-4o-mini", latency: latency, prompt: 10,
                completion: 5, cost: "0.001", baseline: "0.01", startedAt: next()))
        }
        try await attempt(job: try await job(state: "failed", client: clientID), Row(
            deployment: "gpt-4o-mini", provider: "openai", model: "gpt-4o-mini", outcome: "rate_limited", latency: 5,
            startedAt: next()))
    }

    /// Rows of `sql`, keyed by the values of `key` columns joined with "/".
    public func rows(_ sql: String, key: [String]) async throws -> [String: PostgresRow] {
        var byKey: [String: PostgresRow] = [:]
        for row in try await client.query(sql) {
            byKey[key.map { row[$0] ?? "NULL" }.joined(separator: "/")] = row
        }
        return byKey
    }
}

extension PostgresRow {
    /// A numeric column as an exact decimal, so `0.0500000000` equals `0.05`.
    public func decimal(_ column: String) -> Decimal? { self[column].flatMap { Decimal(string: $0) } }
}

public func dec(_ text: String) -> Decimal { Decimal(string: text)! }

/// A fixture's setup did not go as expected.
public struct FixtureError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
