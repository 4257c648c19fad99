import Postgres
import Synchronization

/// Gathers concurrent cache lookups into one statement: while a batch is in the database, new
/// lookups wait and go together in the next one. No timer and no task per lookup: one task per
/// batch, at most one batch at a time.
final class CacheLookupBatcher: Sendable {
    private struct Waiter {
        var key: String
        var model: String
        var pendingMs: Int
        var continuation: CheckedContinuation<ResponseCache.Lookup?, Never>
    }

    private struct State {
        var waiting: [Waiter] = []
        var flushing = false
    }

    // Keys are distinct and sorted in a batch (ON CONFLICT may touch a row once per statement, and
    // one lock order between workers); a waiter whose key repeats in the batch sees `pending`.
    static let lookupSQL = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[]) AS i(key, model)
        ), taken AS (
            INSERT INTO switchyard.cache AS c (key, model, state, pending_until, created_at, expires_at)
            SELECT key, model, 'pending', now() + $3 * interval '1 millisecond', now(), now() + $3 * interval '1 millisecond'
            FROM input ORDER BY key
            ON CONFLICT (key) DO UPDATE SET state = 'pending', response = NULL, pending_until = EXCLUDED.pending_until,
                expires_at = EXCLUDED.expires_at
            WHERE (c.state = 'pending' AND c.pending_until < now()) OR (c.state = 'ready' AND c.expires_at <= now())
            RETURNING c.key
        )
        SELECT i.key,
               CASE WHEN t.key IS NOT NULL THEN 'claimed'
                    WHEN c.state = 'ready' AND c.expires_at > now() THEN 'hit' ELSE 'pending' END AS verdict,
               CASE WHEN t.key IS NULL THEN c.response::text END AS response, c.model
        FROM input i
        LEFT JOIN taken t ON t.key = i.key
        LEFT JOIN switchyard.cache c ON c.key = i.key AND t.key IS NULL
        """

    private let client: PostgresClient
    private let state = Mutex(State())

    init(client: PostgresClient) {
        self.client = client
    }

    /// See ``ResponseCache/lookup(key:model:pendingMs:)``; nil when the database failed.
    func lookup(key: String, model: String, pendingMs: Int) async -> ResponseCache.Lookup? {
        await withCheckedContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiter(key: key, model: model, pendingMs: pendingMs, continuation: continuation))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if start { Task { await self.flushLoop() } }
        }
    }

    private func flushLoop() async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let batch = state.waiting
                state.waiting = []
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            if batch.isEmpty { return }
            await flush(batch)
        }
    }

    private func flush(_ batch: [Waiter]) async {
        var models: [String: String] = [:]
        for waiter in batch where models[waiter.key] == nil { models[waiter.key] = waiter.model }
        let keys = models.keys.sorted()
        let pendingMs = batch.map(\.pendingMs).max() ?? 60_000
        let rows: PostgresResult
        do {
            rows = try await client.query(Self.lookupSQL, [keys, keys.map { models[$0] ?? "" }, pendingMs])
        } catch {
            for waiter in batch { waiter.continuation.resume(returning: nil) }
            return
        }
        var verdicts: [String: ResponseCache.Lookup] = [:]
        for row in rows {
            guard let key = row.string("key") else { continue }
            switch row.string("verdict") {
            case "claimed": verdicts[key] = .claimed
            case "hit":
                if let response = row.string("response") {
                    verdicts[key] = .hit(response: response, model: row.string("model") ?? "")
                } else {
                    verdicts[key] = .pending
                }
            default: verdicts[key] = .pending
            }
        }
        var claimedOnce: Set<String> = []
        for waiter in batch {
            var verdict = verdicts[waiter.key] ?? .pending
            if verdict == .claimed {
                // Only the first waiter for a key calls the provider; the others wait for its answer.
                if claimedOnce.contains(waiter.key) { verdict = .pending } else { claimedOnce.insert(waiter.key) }
            }
            waiter.continuation.resume(returning: verdict)
        }
    }
}
