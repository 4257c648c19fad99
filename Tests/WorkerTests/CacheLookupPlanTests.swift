import Foundation
import Postgres
import TestSupport
import Testing
@testable import Worker

/// A worker that started on a small cache must not keep reading the whole cache on every lookup
/// once the cache has grown. The cases that went wrong: the prepared lookup's cached generic plan,
/// made while the cache was nearly empty, was a hash join over a sequential scan of the cache; with
/// sequential scans off, a merge or hash join over a full scan of the cache's primary key.
@Suite struct CacheLookupPlanTests {
    @Test func lookupsPreparedOnASmallCacheReadItByKeyOnceItHasGrown() async throws {
        let client = try await TestDatabase.sessionClient("CacheLookupPlanTests")
        defer { client.shutdown() }
        func single(_ keys: [String]) async throws -> PostgresResult {
            try await client.query(CacheLookupBatcher.singleKeyLookupSQL, [keys, keys.map { _ in "m" }, 60_000])
        }
        func groups(_ keys: [String]) async throws -> PostgresResult {
            try await client.query(CacheLookupBatcher.lookupSQL, [
                keys.indices.map { Int32($0 / 2) }, keys, keys.map { _ in "m" }, keys.indices.map { $0 % 2 == 0 }, 60_000,
            ])
        }
        // Ten runs each while the cache holds a few markers: past the five custom plans, so the
        // connection now has whatever plan PostgreSQL caches for the rest of its life.
        for round in 0..<10 {
            _ = try await single(["s\(round)a", "s\(round)b"])
            _ = try await groups(["g\(round)a", "g\(round)b", "g\(round)c", "g\(round)d"])
        }
        try await client.query("""
            INSERT INTO switchyard.cache (key, model, response, state, created_at, expires_at)
            SELECT 'k' || n, 'm', '{"n": 1}', 'ready', now(), now() + interval '1 hour' FROM generate_series(1, 5000) AS n
            """)
        let before = try await ExplainPlan.rowsRead(of: "cache", on: client)

        let hit = try await single(["k42", "new-single"])
        let grouped = try await groups(["new-group", "k4242", "k7", "other"])
        // Six keys: a few index probes each, not 5,000 rows.
        let read = try await ExplainPlan.rowsRead(of: "cache", on: client) - before
        #expect(read <= 30, "the two lookups read \(read) cache rows")

        // And they still answer: a fresh answer is found, a new key is claimed.
        let singleRows = Dictionary(uniqueKeysWithValues: hit.map { ($0.string("key") ?? "", $0) })
        #expect(singleRows["k42"]?.string("response") == #"{"n": 1}"#)
        #expect(singleRows["k42"]?.bool("claimed") == false)
        #expect(singleRows["new-single"]?.bool("claimed") == true)
        let groupRows = Dictionary(uniqueKeysWithValues: grouped.map { ($0.string("key") ?? "", $0) })
        // Group 0 (new-group, k4242) has an answer under its second key: nothing claimed, the answer
        // is returned. Group 1 (k7, other): k7 answers it.
        #expect(groupRows["new-group"]?.bool("claimed") == false)
        #expect(groupRows["k4242"]?.string("response") == #"{"n": 1}"#)
        #expect(groupRows["k7"]?.string("response") == #"{"n": 1}"#)
        #expect(groupRows["other"]?.bool("claimed") == false)
    }
}
