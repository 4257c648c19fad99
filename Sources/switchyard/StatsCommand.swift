import Postgres

/// `switchyard stats`: per provider and model, what the ledger says (the `analytics.stats` view).
enum StatsCommand: Command {
    static let spec = CommandSpec(
        name: "stats", summary: "Requests, outcomes, latency, tokens, cost and cache hits per provider and model",
        options: [.databaseURL, .value("--since", "DURATION", "Only ledger rows started this long ago or later, e.g. 15m, 1h, 7d"),
                  .json],
        discussion: """
            succeeded = ok + cache_hit rows; failed = every other outcome. Latency is over answered provider
            calls; tokens are those sent to and returned by providers (cache hits excluded). The same numbers
            are in the view analytics.stats (and analytics.stats_since(timestamptz)); see docs/ANALYTICS.md.
            """)

    /// The contract columns of `stats --json` (DESIGN.md, "Contract"), in order.
    static let columns: [ReportColumn] = [
        ReportColumn("provider", "PROVIDER", .text),
        ReportColumn("model", "MODEL", .text),
        ReportColumn("requests", "REQUESTS", .number),
        ReportColumn("succeeded", "SUCCEEDED", .number),
        ReportColumn("failed", "FAILED", .number),
        ReportColumn("avg_latency_ms", "AVG_MS", .number),
        ReportColumn("p95_latency_ms", "P95_MS", .number),
        ReportColumn("prompt_tokens", "PROMPT_TOKENS", .number),
        ReportColumn("completion_tokens", "COMPLETION_TOKENS", .number),
        ReportColumn("cost_usd", "COST_USD", .number),
        ReportColumn("cache_hits", "CACHE_HITS", .number),
    ]

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let since = try arguments.string("--since").map { try DurationArgument.seconds($0, option: "--since") }
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let result: PostgresResult
        if let since {
            // The server's clock decides what "the last hour" is, as it stamped started_at.
            result = try await client.query(
                "SELECT * FROM analytics.stats_since(now() - make_interval(secs => $1))", [since])
        } else {
            result = try await client.query("SELECT * FROM analytics.stats")
        }
        let report = Report(columns: columns, result: result)
        if arguments.flag("--json") {
            print(report.json)
        } else if report.rows.isEmpty {
            print("no ledger rows\(arguments.string("--since").map { " in the last \($0)" } ?? "")")
        } else {
            print(report.table)
        }
        return 0
    }
}
