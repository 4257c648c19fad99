import Foundation
import Postgres

/// The response cache in `switchyard.cache`, with single flight across all workers: the first job
/// for a key leaves a `pending` row while it calls the provider; identical jobs that see it snooze
/// briefly and then find the answer. A pending row past `pending_until` is taken over.
/// Stores happen in the completion transaction (``LedgerWriter``).
public struct ResponseCache: Sendable {
    public enum Lookup: Sendable, Equatable {
        /// A fresh answer: the chat.completion JSON text and the model that answered.
        case hit(response: String, model: String)
        /// This caller holds the key's pending marker and should call the provider.
        case claimed
        /// Another job is calling the provider for this key.
        case pending
    }

    // One statement: take the key (new, or its pending marker expired, or its answer expired), else
    // read what is there. A row inserted by a transaction that is not yet visible to the SELECT's
    // snapshot gives no row at all, which the caller treats as pending.
    static let lookupSQL = """
        WITH taken AS (
            INSERT INTO switchyard.cache AS c (key, model, state, pending_until, created_at, expires_at)
            VALUES ($1, $2, 'pending', now() + $3 * interval '1 millisecond', now(), now() + $3 * interval '1 millisecond')
            ON CONFLICT (key) DO UPDATE SET state = 'pending', response = NULL, pending_until = EXCLUDED.pending_until,
                expires_at = EXCLUDED.expires_at
            WHERE (c.state = 'pending' AND c.pending_until < now()) OR (c.state = 'ready' AND c.expires_at <= now())
            RETURNING 'claimed'::text AS verdict, NULL::text AS response, NULL::text AS model
        )
        SELECT verdict, response, model FROM taken
        UNION ALL
        SELECT CASE WHEN c.state = 'ready' AND c.expires_at > now() THEN 'hit' ELSE 'pending' END,
               c.response::text, c.model
        FROM switchyard.cache c
        WHERE c.key = $1 AND NOT EXISTS (SELECT 1 FROM taken)
        """

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Looks `key` up, taking its single-flight marker for `pendingMs` when there is no answer.
    public func lookup(key: String, model: String, pendingMs: Int) async throws -> Lookup {
        let rows = try await client.query(Self.lookupSQL, [key, model, pendingMs])
        guard let row = rows.first, let verdict = row.string("verdict") else { return .pending }
        switch verdict {
        case "claimed": return .claimed
        case "hit":
            guard let response = row.string("response") else { return .pending }
            return .hit(response: response, model: row.string("model") ?? "")
        default: return .pending
        }
    }

    /// Deletes expired answers and stale pending markers, then the oldest answers beyond `maxEntries`.
    /// - Returns: rows deleted.
    @discardableResult
    public func sweep(maxEntries: Int) async throws -> Int {
        let expired = try await client.query("""
            DELETE FROM switchyard.cache
            WHERE (state = 'ready' AND expires_at <= now()) OR (state = 'pending' AND pending_until < now() - interval '1 minute')
            """)
        let evicted = try await client.query("""
            DELETE FROM switchyard.cache WHERE key IN (
                SELECT key FROM switchyard.cache WHERE state = 'ready' ORDER BY created_at DESC, key OFFSET $1)
            """, [max(0, maxEntries)])
        return expired.affectedRows + evicted.affectedRows
    }
}
