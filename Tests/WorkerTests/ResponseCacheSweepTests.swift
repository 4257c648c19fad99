import Foundation
import Postgres
@testable import Worker
import Testing

/// The sweep: expired answers and stale single-flight markers go, then the oldest answers beyond the bound.
@Suite struct ResponseCacheSweepTests {
    @Test func sweepDeletesExpiredAnswersAndStaleMarkersThenTheOldestAnswersBeyondTheBound() async throws {
        let fixture = try await WorkerFixture.make()
        defer { fixture.shutdown() }
        try await fixture.client.query("""
            INSERT INTO switchyard.cache (key, model, response, state, pending_until, created_at, expires_at) VALUES
                ('expired', 'm', '{}', 'ready', NULL, now() - interval '2 hours', now() - interval '1 hour'),
                ('fresh-old', 'm', '{}', 'ready', NULL, now() - interval '30 minutes', now() + interval '30 minutes'),
                ('fresh-mid', 'm', '{}', 'ready', NULL, now() - interval '20 minutes', now() + interval '40 minutes'),
                ('fresh-new', 'm', '{}', 'ready', NULL, now() - interval '10 minutes', now() + interval '50 minutes'),
                ('stale-marker', 'm', NULL, 'pending', now() - interval '2 minutes', now() - interval '3 minutes', now()),
                ('live-marker', 'm', NULL, 'pending', now() + interval '1 minute', now(), now() + interval '1 minute')
            """)
        let deleted = try await ResponseCache(client: fixture.client).sweep(maxEntries: 2)
        #expect(deleted == 3)
        let left = try await fixture.client.query("SELECT key FROM switchyard.cache ORDER BY key").compactMap { $0.string("key") }
        #expect(left == ["fresh-mid", "fresh-new", "live-marker"])
        #expect(try await ResponseCache(client: fixture.client).sweep(maxEntries: 2) == 0)
    }
}
