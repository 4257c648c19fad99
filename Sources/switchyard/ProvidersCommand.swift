import Postgres

/// `switchyard providers`: health and breaker state per deployment (the `analytics.provider_health` view).
enum ProvidersCommand: Command {
    static let spec = CommandSpec(
        name: "providers", summary: "Health, breaker state, cooldown and latency per deployment",
        options: [.databaseURL, .json],
        discussion: """
            From the state all workers share (breaker, cooldown, rate-limit budget, EWMA latency) and the
            last 5 minutes of the ledger. healthy = breaker closed, not cooling down, recent error rate
            under 50%. The same rows are in the view analytics.provider_health; see docs/ANALYTICS.md.
            """)

    static let columns: [ReportColumn] = [
        ReportColumn("deployment", "DEPLOYMENT", .text),
        ReportColumn("provider", "PROVIDER", .text),
        ReportColumn("model", "MODEL", .text),
        ReportColumn("healthy", "HEALTHY", .bool),
        ReportColumn("breaker_state", "BREAKER", .text),
        ReportColumn("consecutive_failures", "FAILS_IN_ROW", .number),
        ReportColumn("open_until", "OPEN_UNTIL", .timestamp),
        ReportColumn("cooldown_until", "COOLDOWN_UNTIL", .timestamp),
        ReportColumn("remaining_requests", "REMAINING_REQ", .number),
        ReportColumn("remaining_tokens", "REMAINING_TOK", .number),
        ReportColumn("latency_ewma_ms", "EWMA_MS", .number, decimals: 1),
        ReportColumn("calls_total", "CALLS", .number),
        ReportColumn("failures_total", "FAILURES", .number),
        ReportColumn("recent_calls", "CALLS_5M", .number),
        ReportColumn("recent_errors", "ERRORS_5M", .number),
        ReportColumn("recent_error_rate_pct", "ERROR_PCT_5M", .number),
        ReportColumn("last_call_at", "LAST_CALL", .timestamp),
        ReportColumn("updated_at", "UPDATED", .timestamp),
    ]

    /// The columns people read at a glance; `--json` has them all.
    static let tableColumns: Set<String> = [
        "deployment", "provider", "model", "healthy", "breaker_state", "consecutive_failures", "open_until",
        "cooldown_until", "latency_ewma_ms", "recent_calls", "recent_error_rate_pct",
    ]

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let result = try await client.query(
            "SELECT * FROM analytics.provider_health ORDER BY provider NULLS LAST, deployment")
        if arguments.flag("--json") {
            print(Report(columns: columns, result: result).json)
        } else if result.isEmpty {
            print("no deployments yet (no shared state and no provider calls in the last 5 minutes)")
        } else {
            print(Report(columns: columns.filter { tableColumns.contains($0.name) }, result: result).table)
        }
        return 0
    }
}
