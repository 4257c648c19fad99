extension DemoScenario {
    /// Step 4: what the `analytics` views say about everything so far.
    func analytics(since started: String) async throws -> [(key: String, value: String)] {
        emit(.step(number: 4, title: "Analytics: distribution, tokens, latency, cost and savings, cache"))
        emit(.text("Plain SQL views in the schema 'analytics' over the jobs and the usage ledger (docs/ANALYTICS.md). Query them with psql, or: switchyard stats."))

        emit(.text("Request distribution per route and model (analytics.request_distribution):"))
        emit(.table(try await table("""
            SELECT route, model, requests, succeeded, route_share_pct FROM analytics.request_distribution
            ORDER BY route, requests DESC
            """)))

        emit(.text("Token usage per model (analytics.token_usage; cache_hit_tokens were served without a provider call):"))
        emit(.table(try await table("""
            SELECT provider, model, calls, prompt_tokens, completion_tokens, total_tokens, cache_hits, cache_hit_tokens
            FROM analytics.token_usage ORDER BY total_tokens DESC
            """)))

        emit(.text("Latency per model and minute over answered calls (analytics.latency_per_minute_since):"))
        emit(.command("SELECT bucket, model, p50_ms, p95_ms, p99_ms FROM analytics.latency_per_minute_since(now() - interval '1 hour');"))
        emit(.table(try await table("""
            SELECT to_char(bucket AT TIME ZONE 'UTC', 'HH24:MI') AS minute_utc, model, calls,
                   round(p50_ms, 1) AS p50_ms, round(p95_ms, 1) AS p95_ms, round(p99_ms, 1) AS p99_ms
            FROM analytics.latency_per_minute_since($1::timestamptz) ORDER BY bucket, model
            """, [started])))

        emit(.text("Cost against sending everything to the baseline model gpt-4o (analytics.cost_savings, cost_savings_total):"))
        emit(.table(try await table("""
            SELECT provider, model, requests, round(cost_usd, 6) AS cost_usd, round(baseline_cost_usd, 6) AS baseline_cost_usd,
                   round(savings_usd, 6) AS savings_usd, savings_pct
            FROM analytics.cost_savings ORDER BY baseline_cost_usd DESC
            """)))
        let total = try await client.query("""
            SELECT round(cost_usd, 6) AS cost_usd, round(baseline_cost_usd, 6) AS baseline_cost_usd,
                   round(savings_usd, 6) AS savings_usd, savings_pct FROM analytics.cost_savings_total
            """)
        emit(.table(DemoTable(total)))

        emit(.text("Cache hit rate (analytics.cache_hit_rate_total):"))
        let cache = try await client.query("SELECT cache_hits, misses, hit_rate_pct FROM analytics.cache_hit_rate_total")
        emit(.table(DemoTable(cache)))
        return [
            (key: "cost_usd", value: total.first?["cost_usd"] ?? "-"),
            (key: "savings_pct", value: total.first?["savings_pct"] ?? "-"),
            (key: "cache_hit_rate_pct", value: cache.first?["hit_rate_pct"] ?? "-"),
        ]
    }
}
