import Foundation
import Postgres
import Queue
import Testing

@Suite struct EnqueueBatcherTests {
    /// Concurrent submissions share statements, and each caller gets the id of its own job.
    @Test func concurrentJobsShareInsertsAndEachGetsItsOwnRow() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let batcher = EnqueueBatcher(queue: fixture.queue)
        let name = QueueFixture.uniqueQueue()
        let results = try await withThrowingTaskGroup(of: (Int, EnqueuedJob).self) { group in
            for index in 0..<200 {
                group.addTask {
                    var job = NewJob(route: "test-model", request: QueueFixture.request("job \(index)"))
                    job.queue = name
                    job.customID = "c\(index)"
                    return (index, try await batcher.enqueue(job, durable: index % 2 == 0))
                }
            }
            var results: [Int: EnqueuedJob] = [:]
            for try await (index, enqueued) in group { results[index] = enqueued }
            return results
        }
        #expect(results.count == 200)
        #expect(Set(results.values.map(\.id)).count == 200)
        #expect(results.values.allSatisfy { $0.created })
        for (index, enqueued) in results {
            let row = try await fixture.row(enqueued.id)
            #expect(row.customID == "c\(index)" && row.request.contains("job \(index)\""), "job \(index) got row \(enqueued.id)")
            #expect(row.state == .queued)
        }
        // Rows inserted by one statement share their inserting transaction.
        let transactions = try await fixture.client.query(
            "SELECT count(DISTINCT xmin::text) AS n FROM switchyard.jobs WHERE queue = $1", [name])[0].int("n") ?? 0
        #expect(transactions < 100, "200 concurrent jobs took \(transactions) inserts")
    }

    /// A job the database refuses fails alone: the others of its batch are enqueued.
    @Test func aBadJobFailsAloneAndTheRestOfItsBatchIsEnqueued() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let batcher = EnqueueBatcher(queue: fixture.queue)
        let name = QueueFixture.uniqueQueue()
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<40 {
                group.addTask {
                    var job = NewJob(route: "test-model", request: index == 17 ? "{not json" : QueueFixture.request("ok \(index)"))
                    job.queue = name
                    return (index, (try? await batcher.enqueue(job, durable: false)) != nil)
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (index, ok) in group { outcomes[index] = ok }
            return outcomes
        }
        #expect(outcomes[17] == false)
        #expect(outcomes.filter { $0.key != 17 }.allSatisfy { $0.value }, "\(outcomes.filter { !$0.value }.keys.sorted())")
        let count = try await fixture.client.query("SELECT count(*) AS n FROM switchyard.jobs WHERE queue = $1", [name])[0].int("n")
        #expect(count == 39)
    }

    /// Jobs with an idempotency key go alone, with the queue's conflict handling.
    @Test func anIdempotencyKeyStillReturnsTheFirstJob() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let batcher = EnqueueBatcher(queue: fixture.queue)
        var job = QueueFixture.job(queue: QueueFixture.uniqueQueue())
        job.idempotencyKey = "same-\(UUID().uuidString)"
        async let first = batcher.enqueue(job)
        async let second = batcher.enqueue(job)
        let (a, b) = try await (first, second)
        #expect(a.id == b.id)
        #expect([a.created, b.created].filter { $0 }.count == 1)
    }
}
