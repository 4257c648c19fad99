/// One view of the `analytics` schema that `GET /v1/analytics/{view}` serves, with how to filter
/// and order it. The SQL pieces are fixed text chosen by name from ``all``, never request input.
struct AnalyticsView: Sendable {
    let name: String
    /// What to select from; `$1` is the `since` bound (a timestamptz, NULL when not given).
    let source: String
    /// The column `since` bounds when `source` does not take it, or nil.
    let sinceColumn: String?
    let takesSince: Bool
    /// The column naming the client a row is about; only such views are open to non-admin keys.
    let clientColumn: String?
    let orderBy: String

    private init(_ name: String, source: String? = nil, sinceColumn: String? = nil, takesSince: Bool = false,
                 clientColumn: String? = nil, orderBy: String = "1") {
        self.name = name
        self.source = source ?? "analytics.\(name)"
        self.sinceColumn = sinceColumn
        self.takesSince = takesSince || sinceColumn != nil
        self.clientColumn = clientColumn
        self.orderBy = orderBy
    }

    static let all: [AnalyticsView] = [
        AnalyticsView("stats", source: "analytics.stats_since(coalesce($1::timestamptz, '-infinity'))", takesSince: true,
                      orderBy: "provider, model"),
        AnalyticsView("request_distribution", orderBy: "route, model"),
        AnalyticsView("token_usage", orderBy: "provider, model"),
        AnalyticsView("latency_per_minute", source: "analytics.latency_per_minute_since(coalesce($1::timestamptz, '-infinity'))",
                      takesSince: true, orderBy: "bucket, provider, model"),
        AnalyticsView("cost_savings", orderBy: "provider, model"),
        AnalyticsView("cost_savings_total"),
        AnalyticsView("cache_hit_rate", orderBy: "route, model"),
        AnalyticsView("cache_hit_rate_total"),
        AnalyticsView("failover_events", sinceColumn: "started_at", orderBy: "attempt_id"),
        AnalyticsView("error_rates", orderBy: "deployment, provider, model, outcome"),
        AnalyticsView("client_usage", clientColumn: "client_id", orderBy: "client_id NULLS FIRST"),
        AnalyticsView("queue_depth", orderBy: "queue, state"),
        AnalyticsView("throughput_per_minute", sinceColumn: "bucket", orderBy: "bucket, queue"),
        AnalyticsView("provider_health", orderBy: "deployment"),
    ]

    static func named(_ name: String) -> AnalyticsView? { all.first { $0.name == name } }

    static var names: [String] { all.map(\.name) }

    /// The rows as one JSON array (`json_agg`, so numbers stay exact), at most `$3` of them, rows
    /// about client `$2` only when `$2` is not NULL. Built only from this view's fixed text.
    var unsafeSQL: String {
        var conditions: [String] = []
        if let sinceColumn { conditions.append("($1::timestamptz IS NULL OR \(sinceColumn) >= $1::timestamptz)") }
        if let clientColumn { conditions.append("($2::bigint IS NULL OR \(clientColumn) = $2::bigint)") }
        // Every statement names $1 and $2, so their types are known even when a view ignores them.
        conditions.append("($1::timestamptz IS NULL OR true) AND ($2::bigint IS NULL OR true)")
        return """
            SELECT coalesce(json_agg(row_to_json(v)), '[]')::text AS rows
            FROM (SELECT * FROM \(source) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(orderBy) LIMIT $3) v
            """
    }
}
