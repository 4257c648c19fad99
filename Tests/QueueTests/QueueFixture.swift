import Foundation
import Postgres
import Queue
import TestSupport

/// One database per test suite (cloned from the migrated template); tests in a suite share it and
/// keep apart by using a queue of their own.
struct QueueFixture {
    let url: String
    let client: PostgresClient
    let queue: JobQueue

    static func make(_ name: String = #function) async throws -> QueueFixture {
        let url = try await TestDatabase.create(name)
        let client = TestDatabase.client(url, maxConnections: 4)
        return QueueFixture(url: url, client: client, queue: JobQueue(client: client))
    }

    static func request(_ text: String = "hello", model: String = "test-model") -> String {
        "{\"model\":\"\(model)\",\"messages\":[{\"role\":\"user\",\"content\":\(JSONText.quoted(text))}]}"
    }

    static func job(queue: String, priority: Int = 0, maxAttempts: Int = 5) -> NewJob {
        var job = NewJob(route: "test-model", request: request())
        job.queue = queue
        job.priority = priority
        job.maxAttempts = maxAttempts
        return job
    }

    /// A queue name no other test uses.
    static func uniqueQueue(_ name: String = #function) -> String {
        "\(name.prefix(30))-\(UInt32.random(in: 0...UInt32.max))"
    }

    func row(_ id: Int64) async throws -> JobRecord {
        guard let job = try await queue.job(id: id) else { throw FixtureError(message: "job \(id) is missing") }
        return job
    }

    /// Makes every running lease of the database look expired.
    func expireLeases(ids: [Int64]) async throws {
        try await client.query(
            "UPDATE switchyard.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])",
            [ids])
    }

    func shutdown() { client.shutdown() }

    struct FixtureError: Error { let message: String }
}
