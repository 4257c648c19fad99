import Foundation
import Postgres

/// The response cache in `switchyard.cache`, with single flight across all workers: the first job
/// for a key leaves a `pending` row while it calls the provider; identical jobs that see it snooze
/// briefly and then find the answer. A pending row past `pending_until` is taken over. A lookup
/// checks the keys of every model the route could answer with, so a repeated prompt on a
/// multi-model route hits whichever one answered it.
/// Lookups go through ``CacheLookupBatcher``; stores happen in the completion transaction (``LedgerWriter``).
public struct ResponseCache: Sendable {
    public enum Lookup: Sendable, Equatable {
        /// A fresh answer: the chat.completion JSON text, the model that answered, and the key it
        /// was stored under.
        case hit(response: String, model: String, key: String)
        /// This caller holds the key's pending marker and should call the provider.
        case claimed
        /// Another job is calling the provider for this key.
        case pending
    }

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
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
