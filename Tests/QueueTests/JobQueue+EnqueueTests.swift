import Foundation
import Postgres
@testable import Queue
import Testing

@Suite struct JobQueueEnqueueTests {
    @Test func enqueueStoresTheJobQueued() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        var job = QueueFixture.job(queue: QueueFixture.uniqueQueue(), priority: 7)
        job.customID = "doc-1"
        job.options = "{\"metadata\":{\"team\":\"a\"}}"
        let enqueued = try await fixture.queue.enqueue(job)
        #expect(enqueued.created)
        let row = try await fixture.row(enqueued.id)
        #expect(row.state == .queued)
        #expect(row.priority == 7)
        #expect(row.attempt == 0)
        #expect(row.maxAttempts == 5)
        #expect(row.route == "test-model")
        #expect(row.customID == "doc-1")
        #expect(row.finishedAt == nil)
        #expect(row.options.contains("team"))
    }

    /// A durable enqueue commits its insert without waiting and then flushes the WAL: the flush
    /// must cover a commit made before it on the connection that did not wait for its own.
    @Test func theFlushCoversAnEarlierCommitThatDidNotWait() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let covered = try await fixture.client.withConnection { connection -> Bool in
            _ = try connection.query("SELECT set_config('synchronous_commit', 'off', true), pg_current_xact_id()")
            let written = try connection.query("SELECT pg_current_wal_insert_lsn()::text").first?[0] ?? ""
            try JobQueue.flushWAL(on: connection)
            let flushed = try connection.query("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", [written])
            return flushed.first?[0] == "t"
        }
        #expect(covered)
    }

    /// Every enqueue relaxes only the commit of its own insert, durable or not: the (single) pooled
    /// connection is back to `synchronous_commit = on` for whatever runs on it next.
    @Test(arguments: [true, false], [nil, "key-1"])
    func anEnqueueRelaxesOnlyItsOwnCommit(durable: Bool, idempotencyKey: String?) async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let client = PostgresClient(configuration: PostgresConfiguration(url: fixture.url), maxConnections: 1)
        defer { client.shutdown() }
        var job = QueueFixture.job(queue: QueueFixture.uniqueQueue())
        job.idempotencyKey = idempotencyKey
        let enqueued = try await JobQueue(client: client).enqueue(job, durable: durable)
        #expect(enqueued.created)
        #expect(try await fixture.row(enqueued.id).state == .queued)
        #expect(try await client.query("SHOW synchronous_commit").first?[0] == "on")
        if idempotencyKey != nil {
            let again = try await JobQueue(client: client).enqueue(job, durable: durable)
            #expect(again.id == enqueued.id && !again.created)
        }
        // The completion's relaxed NOTIFY statement does not leak either.
        let claimed = try await JobQueue(client: client).claim(queue: job.queue, limit: 1, leaseMs: 60_000, workerID: "w")
        _ = try await JobQueue(client: client).complete([.succeeded(try #require(claimed.first), result: "{}")])
        #expect(try await client.query("SHOW synchronous_commit").first?[0] == "on")
    }

    @Test func bulkEnqueueReturnsIdsInInputOrder() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let jobs = (0..<2_500).map { index -> NewJob in
            var job = QueueFixture.job(queue: queue)
            job.customID = "line-\(index)"
            job.request = QueueFixture.request("text \"\(index)\" \\ ok")
            return job
        }
        let enqueued = try await fixture.queue.enqueue(jobs, chunkSize: 1_000)
        #expect(enqueued.count == 2_500)
        #expect(Set(enqueued.map(\.id)).count == 2_500)
        for index in [0, 999, 1_000, 2_499] {
            let row = try await fixture.row(enqueued[index].id)
            #expect(row.customID == "line-\(index)")
            #expect(row.request.contains("text \\\"\(index)\\\""))
        }
    }

    @Test func bulkEnqueueWithAnInvalidRequestEnqueuesNothing() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        var jobs = (0..<10).map { _ in QueueFixture.job(queue: queue) }
        jobs[5].request = "{\"model\": \"x\"}, {\"smuggled\": true}"
        await #expect(throws: (any Error).self) { try await fixture.queue.enqueue(jobs) }
        jobs[5].request = "{not json"
        await #expect(throws: (any Error).self) { try await fixture.queue.enqueue(jobs) }
        let counts = try await fixture.queue.countByState(queue: queue)
        #expect(counts.isEmpty)
    }

    @Test func sameIdempotencyKeyReturnsTheSameJob() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        var job = QueueFixture.job(queue: QueueFixture.uniqueQueue())
        job.idempotencyKey = "key-1"
        let first = try await fixture.queue.enqueue(job)
        let second = try await fixture.queue.enqueue(job)
        #expect(first.created && !second.created)
        #expect(first.id == second.id)
        // Another client may use the same key; jobs without a key never collide.
        job.clientID = 42
        let otherClient = try await fixture.queue.enqueue(job)
        #expect(otherClient.created && otherClient.id != first.id)
        var plain = QueueFixture.job(queue: job.queue)
        plain.idempotencyKey = nil
        let a = try await fixture.queue.enqueue(plain)
        let b = try await fixture.queue.enqueue(plain)
        #expect(a.id != b.id)
    }

    @Test func concurrentDuplicateSubmitsCreateOneJob() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        var job = QueueFixture.job(queue: queue)
        job.idempotencyKey = "burst"
        let submitted = job
        let results = try await withThrowingTaskGroup(of: EnqueuedJob.self) { group in
            for _ in 0..<40 { group.addTask { try await fixture.queue.enqueue(submitted) } }
            return try await group.reduce(into: [EnqueuedJob]()) { $0.append($1) }
        }
        #expect(Set(results.map(\.id)).count == 1)
        #expect(results.filter(\.created).count == 1)
        let count = try await fixture.client.query(
            "SELECT count(*) FROM switchyard.jobs WHERE idempotency_key = 'burst' AND queue = $1", [queue])
        #expect(count.first?[0] == "1")
    }

    @Test func bulkEnqueueHonoursIdempotencyKeys() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        var existing = QueueFixture.job(queue: queue)
        existing.idempotencyKey = "k1"
        let first = try await fixture.queue.enqueue(existing)
        var jobs = (0..<4).map { _ in QueueFixture.job(queue: queue) }
        jobs[0].idempotencyKey = "k1"
        jobs[1].idempotencyKey = "k2"
        jobs[2].idempotencyKey = "k2"
        let enqueued = try await fixture.queue.enqueue(jobs)
        #expect(enqueued[0] == EnqueuedJob(id: first.id, created: false))
        #expect(enqueued[1].created && !enqueued[2].created && enqueued[1].id == enqueued[2].id)
        #expect(enqueued[3].created)
        #expect(try await fixture.queue.countByState(queue: queue)[.queued] == 3)
    }
}
