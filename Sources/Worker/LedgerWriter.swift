import Foundation
import Postgres
import Providers
import Queue

/// Writes executors' ``JobRecords`` inside the completion transaction: usage rows and cache
/// changes, a few statements per batch (rows travel as one JSON array each). Routing traces and
/// cache keys go with the completion's own UPDATE (``JobCompleter``), so a job row is rewritten once.
enum LedgerWriter {
    static let insertUsageSQL = """
        INSERT INTO switchyard.attempts (job_id, attempt, route, deployment, provider, model, region, api_key_label,
            outcome, http_status, started_at, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens,
            cost_usd, baseline_cost_usd, failover, worker_id, error)
        SELECT r.job_id, r.attempt, r.route, r.deployment, r.provider, r.model, r.region, r.api_key_label,
            r.outcome, r.http_status, r.started_at, r.latency_ms, r.ttfb_ms, r.prompt_tokens, r.completion_tokens,
            r.cached_tokens, r.cost_usd, r.baseline_cost_usd, r.failover, r.worker_id, r.error
        FROM jsonb_to_recordset($1::jsonb) AS r(job_id bigint, attempt int, route text, deployment text, provider text,
            model text, region text, api_key_label text, outcome text, http_status int, started_at timestamptz,
            latency_ms double precision, ttfb_ms double precision, prompt_tokens int, completion_tokens int,
            cached_tokens int, cost_usd numeric, baseline_cost_usd numeric, failover boolean, worker_id text, error text)
        """

    static let storeCacheSQL = """
        INSERT INTO switchyard.cache AS c (key, model, response, state, pending_until, created_at, expires_at)
        SELECT r.key, r.model, r.response, 'ready', NULL, now(), now() + r.ttl_s * interval '1 second'
        FROM jsonb_to_recordset($1::jsonb) AS r(key text, model text, response jsonb, ttl_s int)
        ON CONFLICT (key) DO UPDATE SET model = EXCLUDED.model, response = EXCLUDED.response, state = 'ready',
            pending_until = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
        """

    // Runs inside the completion's transaction, under its planner settings (no nested loop, no
    // sequential scan: `JobQueue.lookUpJobsByPrimaryKey`): `key = ANY` keeps the scan of the cache
    // to the keys hit instead of the whole table.
    static let countHitsSQL = """
        UPDATE switchyard.cache c SET hits = c.hits + r.n
        FROM (SELECT k AS key, count(*) AS n FROM unnest($1::text[]) AS k GROUP BY k) r
        WHERE c.key = ANY ($1::text[]) AND c.key = r.key
        """

    static let releasePendingSQL = "DELETE FROM switchyard.cache WHERE key = ANY($1::text[]) AND state = 'pending'"

    /// Writes the records of the completions that `result` says were written.
    static func write(
        _ records: [Int64: JobRecords], batch: [JobCompletion], result: JobQueue.CompletionResult, workerID: String,
        on connection: PostgresConnection
    ) throws {
        let written = Set(result.written.map { $0.id })
        var usage = JSONRecordWriter(capacity: batch.count * 400)
        var cache: [String: JobRecords.CacheEntry] = [:]
        var hits: [String] = []
        var released: [String] = []
        for completion in batch where written.contains(completion.id) {
            guard let entry = records[completion.id] else { continue }
            for row in entry.usage {
                row.write(into: &usage, jobID: completion.id, attempt: completion.attempt, workerID: workerID)
            }
            if let store = entry.cacheEntry { cache[store.key] = store }
            if let key = entry.cacheHitKey { hits.append(key) }
            if let key = entry.releasedPendingKey { released.append(key) }
        }
        if !usage.isEmpty { _ = try connection.query(insertUsageSQL, [PostgresJSON(bytes: usage.finished())]) }
        if !cache.isEmpty {
            // Responses are JSON text already: they go into the array as they are, parsed once, in SQL.
            var rows = JSONRecordWriter(capacity: cache.count * 600)
            for key in cache.keys.sorted() {
                guard let store = cache[key] else { continue }
                rows.beginRecord()
                rows.add("key", store.key)
                rows.add("model", store.model)
                rows.add("response", json: store.response)
                rows.add("ttl_s", store.ttlSeconds)
            }
            _ = try connection.query(storeCacheSQL, [PostgresJSON(bytes: rows.finished())])
        }
        if !hits.isEmpty { _ = try connection.query(countHitsSQL, [hits.sorted()]) }
        if !released.isEmpty { _ = try connection.query(releasePendingSQL, [released]) }
    }

    /// RFC 3339 with milliseconds, UTC, rounded to the millisecond. Written byte by byte: one per
    /// usage row, and `String(format:)` showed in profiles of the gateway bench.
    static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1_000).rounded())
        var seconds = ms / 1_000
        var millis = ms % 1_000
        if millis < 0 {
            millis += 1_000
            seconds -= 1
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func put(_ value: Int, _ width: Int, then separator: Character?) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
                divisor /= 10
            }
            if let separator { out.append(separator.asciiValue!) }
        }
        put(Int(parts.tm_year) + 1900, 4, then: "-")
        put(Int(parts.tm_mon) + 1, 2, then: "-")
        put(Int(parts.tm_mday), 2, then: "T")
        put(Int(parts.tm_hour), 2, then: ":")
        put(Int(parts.tm_min), 2, then: ":")
        put(Int(parts.tm_sec), 2, then: ".")
        put(Int(millis), 3, then: "Z")
        return String(decoding: out, as: UTF8.self)
    }
}
