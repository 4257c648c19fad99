import Postgres

/// Gathers concurrent cache lookups into one statement (a `RequestBatcher`): while a batch is in
/// the database, new lookups wait and go together in the next one, at most `maxBatchesInFlight`
/// batches at a time.
///
/// A lookup is a group of keys, one per model the route could answer with, the chosen model's
/// first (its *primary* key). Any fresh answer under any of them is a hit (the earliest in the
/// group wins); otherwise, when no key of the group is pending elsewhere, the primary key gets the
/// single-flight marker.
final class CacheLookupBatcher: Sendable {
    private struct Request: Sendable {
        var keys: [String]
        var models: [String]
        var pendingMs: Int
        /// Takes the single-flight marker when nothing is found (false: only looks).
        var claims: Bool
        /// Shares a key with an earlier request of the same batch: never claims, waits for that one.
        var follows = false
    }

    /// Batches in the database at once. With one, a lookup that arrives while a batch is out waits
    /// for that batch's round trip and then its own; when a wave of provider answers frees many
    /// slots at once (thousands of slow calls ending together) those waits add up to tens of
    /// milliseconds per job, every one of them a slot not calling. Two halve the wait; concurrent
    /// batches claim their keys in key order, and the same key in both is settled by the claim's
    /// ON CONFLICT (the later one sees the marker and waits, as across workers).
    static let maxBatchesInFlight = 2

    // Both lookups commit without waiting for the WAL flush (`set_config(..., true)` is SET LOCAL
    // for the statement's own transaction): a pending marker only keeps identical calls from
    // running twice, so losing one in a database crash costs at most a duplicate provider call,
    // while waiting for the flush would put an fsync before every provider call.
    // The statements themselves are functions (migration 0010), so that their plans read the
    // cache by primary key however small the cache was when the plan was made.

    /// Lookups of several keys each. $1..$4: one row per (group, key); $5: the marker's life in ms.
    static let lookupSQL = """
        SELECT l.key, l.claimed, l.response, l.model, set_config('synchronous_commit', 'off', true) AS relaxed
        FROM switchyard.cache_lookup_groups($1::int[], $2::text[], $3::text[], $4::boolean[], $5) AS l
        """

    /// The common case, every lookup of the batch one key (single-deployment routes). $1, $2:
    /// distinct keys and their models; $3: the marker's life in ms.
    static let singleKeyLookupSQL = """
        SELECT l.key, l.claimed, l.response, l.model, set_config('synchronous_commit', 'off', true) AS relaxed
        FROM switchyard.cache_lookup($1::text[], $2::text[], $3) AS l
        """

    private let batcher: RequestBatcher<Request, ResponseCache.Lookup?>

    init(client: PostgresClient) {
        batcher = RequestBatcher(maxBatchesInFlight: Self.maxBatchesInFlight) { requests in
            await Self.flush(requests, client: client)
        }
    }

    /// Looks up the answers stored under `keys` (one per model in `models`, the primary first).
    /// - Parameter claim: take the primary key's single-flight marker when nothing is found; false
    ///   for a job that cannot call now anyway (it would only have to give the marker back).
    /// - Returns: a hit (the earliest key with a fresh answer), `claimed` (this caller holds the
    ///   primary key's pending marker and should call the provider) or `pending` (someone else
    ///   does, or nothing was found and `claim` was false); nil when the database failed.
    func lookup(keys: [String], models: [String], pendingMs: Int, claim: Bool = true) async -> ResponseCache.Lookup? {
        guard !keys.isEmpty, keys.count == models.count else { return nil }
        return await batcher.submit(Request(keys: keys, models: models, pendingMs: pendingMs, claims: claim))
    }

    private static func flush(_ requests: [Request], client: PostgresClient) async -> [ResponseCache.Lookup?] {
        // Identical requests in one batch: the first claims, the rest wait for its answer.
        var batch = requests
        var covered: Set<String> = []
        for index in batch.indices {
            if batch[index].keys.contains(where: covered.contains) { batch[index].follows = true }
            covered.formUnion(batch[index].keys)
        }
        let pendingMs = batch.map(\.pendingMs).max() ?? 60_000
        let rows: PostgresResult
        do {
            if batch.allSatisfy({ $0.keys.count == 1 && $0.claims }) {
                let leaders = batch.filter { !$0.follows }
                rows = try await client.query(
                    Self.singleKeyLookupSQL, [leaders.map { $0.keys[0] }, leaders.map { $0.models[0] }, pendingMs])
            } else {
                var groups: [Int32] = []
                var keys: [String] = []
                var models: [String] = []
                var claims: [Bool] = []
                for (index, waiter) in batch.enumerated() {
                    for (position, key) in waiter.keys.enumerated() {
                        groups.append(Int32(index))
                        keys.append(key)
                        models.append(waiter.models[position])
                        claims.append(position == 0 && !waiter.follows && waiter.claims)
                    }
                }
                rows = try await client.query(Self.lookupSQL, [groups, keys, models, claims, pendingMs])
            }
        } catch {
            return batch.map { _ in nil }
        }
        var claimed: Set<String> = []
        var answers: [String: (response: String, model: String)] = [:]
        for row in rows {
            guard let key = row.string("key") else { continue }
            if row.bool("claimed") == true { claimed.insert(key) }
            if let response = row.string("response") { answers[key] = (response, row.string("model") ?? "") }
        }
        return batch.map { waiter in
            var verdict = ResponseCache.Lookup.pending
            if let key = waiter.keys.first(where: { answers[$0] != nil }), let answer = answers[key] {
                verdict = .hit(response: answer.response, model: answer.model, key: key)
            } else if waiter.claims, !waiter.follows, let primary = waiter.keys.first, claimed.remove(primary) != nil {
                // Only the first waiter for a key calls the provider; the others wait for its answer.
                verdict = .claimed
            }
            return verdict
        }
    }
}
