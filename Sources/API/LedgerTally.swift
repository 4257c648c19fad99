import Dispatch
import Postgres

/// Running totals of the usage ledger (`switchyard.attempts`) for `/metrics`, read incrementally:
/// the first refresh aggregates the whole ledger once, later ones only rows with a higher id.
///
/// Ids are drawn when a row is inserted but become visible when its transaction commits, so a row
/// can appear after rows with higher ids. Ids missing below the highest one seen are remembered
/// as gaps and read again on every refresh until they appear or are older than ``gapLifetimeMs``
/// (an insert that was rolled back never appears; the completer's transactions last milliseconds).
struct LedgerTally: Sendable {
    struct Key: Hashable, Sendable {
        var provider: String
        var model: String
        var outcome: String
    }

    struct Totals: Sendable, Hashable {
        var requests: UInt64 = 0
        var promptTokens: UInt64 = 0
        var completionTokens: UInt64 = 0
        var costUSD = 0.0
        /// Over answered provider calls (`ok`) only, as the analytics views do.
        var latency = PrometheusHistogram(bounds: PrometheusHistogram.providerBounds)
    }

    static let gapLifetimeMs: UInt64 = 60_000
    static let maxGaps = 10_000
    /// How far below the highest id gaps are looked for on one refresh.
    static let gapScanWindow: Int64 = 100_000

    private(set) var totals: [Key: Totals] = [:]
    private(set) var highestID: Int64 = 0
    /// Missing ids below `highestID`, with when they were first missed (monotonic ms).
    private(set) var gaps: [Int64: UInt64] = [:]

    /// Reads what was added since the last refresh, in one REPEATABLE READ snapshot.
    mutating func refresh(on connection: PostgresConnection, nowMs: UInt64) throws {
        let gapIDs = Array(gaps.keys)
        let previous = highestID
        try connection.execute(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? connection.execute(unsafeSQL: "COMMIT") }
        let top = try connection.query("SELECT coalesce(max(id), 0) AS id FROM switchyard.attempts").first?.int64("id") ?? 0
        let latencyBuckets = PrometheusHistogram.providerBounds.map { bound in
            "count(*) FILTER (WHERE outcome = 'ok' AND latency_ms <= \(Int((bound * 1_000).rounded())))"
        }.joined(separator: ", ")
        let rows = try connection.query(
            """
            SELECT coalesce(provider, '') AS provider, coalesce(model, '') AS model, outcome,
                   count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                   sum(cost_usd)::float8 AS cost_usd,
                   count(latency_ms) FILTER (WHERE outcome = 'ok') AS latency_count,
                   coalesce(sum(latency_ms) FILTER (WHERE outcome = 'ok'), 0) / 1000.0 AS latency_sum_s,
                   ARRAY[\(latencyBuckets)]::text AS latency_buckets
            FROM switchyard.attempts
            WHERE (id > $1 AND id <= $2) OR id = ANY($3::bigint[])
            GROUP BY 1, 2, 3
            """, [previous, top, gapIDs])
        for row in rows {
            let key = Key(provider: row.string("provider") ?? "", model: row.string("model") ?? "",
                          outcome: row.string("outcome") ?? "")
            var entry = totals[key] ?? Totals()
            entry.requests += UInt64(row.int64("requests") ?? 0)
            entry.promptTokens += UInt64(max(0, row.int64("prompt_tokens") ?? 0))
            entry.completionTokens += UInt64(max(0, row.int64("completion_tokens") ?? 0))
            entry.costUSD += row.double("cost_usd") ?? 0
            // Bucket counts come cumulative from SQL (latency <= bound); the histogram keeps them per bucket.
            let cumulative = Self.integers(row.string("latency_buckets"))
            let perBucket = zip(cumulative, [0] + cumulative).map { $0 - $1 }
            entry.latency.add(bucketCounts: perBucket, total: UInt64(row.int64("latency_count") ?? 0),
                              sum: row.double("latency_sum_s") ?? 0)
            totals[key] = entry
        }
        if !gapIDs.isEmpty {
            let found = try connection.query(
                "SELECT id FROM switchyard.attempts WHERE id = ANY($1::bigint[])", [gapIDs])
            for row in found { if let id = row.int64("id") { gaps[id] = nil } }
        }
        if top > previous {
            let missing = try connection.query(
                """
                SELECT g AS id FROM generate_series($1::bigint, $2::bigint) g
                LEFT JOIN switchyard.attempts a ON a.id = g
                WHERE a.id IS NULL
                """, [max(previous + 1, top - Self.gapScanWindow), top])
            for row in missing { if let id = row.int64("id") { gaps[id] = nowMs } }
            highestID = top
        }
        gaps = gaps.filter { nowMs &- $0.value < Self.gapLifetimeMs }
        if gaps.count > Self.maxGaps {
            let kept = gaps.keys.sorted().suffix(Self.maxGaps)
            gaps = Dictionary(uniqueKeysWithValues: kept.map { ($0, gaps[$0]!) })
        }
    }

    /// `{1,2,3}` → [1, 2, 3].
    static func integers(_ text: String?) -> [UInt64] {
        guard let text, text.hasPrefix("{"), text.hasSuffix("}") else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").compactMap { UInt64($0) }
    }
}
