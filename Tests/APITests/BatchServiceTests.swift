import API
import Dispatch
import Foundation
import Postgres
import Queue
import TestSupport
import Testing

/// The batch service's safety: several at once never do a step twice, and a service that dies
/// holding a batch (its connection gone mid-transaction) leaves it for the next one.
@Suite struct BatchServiceTests {
    @Test func aBatchHeldByADeadServiceIsTakenOverAtEveryStep() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("a", "x"), batchLine("b", "y")]).json["id"]?.stringValue)
        let batchID = try #require(Int64(id))

        // Validation: another service holds the batch row in an open transaction.
        var holder = try await RowLockHolder.lock(batchID, url: fixture.url)
        #expect(try await service.runOnce().isEmpty, "a locked batch is skipped, not waited for")
        #expect(await fixture.alice.get("/v1/batches/\(id)").json["status"] == "validating")
        try await holder.die(killer: fixture.client)
        #expect(try await service.runOnce().started == [batchID])
        #expect(try await fixture.jobCount() == 2)

        // Finalization: the jobs are done, but the batch is held again.
        try await fixture.withEchoWorker {
            try await waitUntil { try await fixture.queue.countByState()[.succeeded] == 2 }
        }
        holder = try await RowLockHolder.lock(batchID, url: fixture.url)
        #expect(try await service.runOnce().finalized.isEmpty)
        #expect(await fixture.alice.get("/v1/batches/\(id)").json["status"] == "in_progress")
        try await holder.die(killer: fixture.client)
        #expect(try await service.runOnce().finalized == [batchID])
        #expect(await fixture.alice.get("/v1/batches/\(id)").json["status"] == "completed")
        await fixture.shutdown()
    }

    @Test func aBatchLeftFinalizingByADeadProcessIsCompleted() async throws {
        let fixture = try await APIFixture.make()
        let service = BatchService(client: fixture.client, listenerConfiguration: nil)
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("a", "x")]).json["id"]?.stringValue)
        _ = try await service.runOnce()
        try await fixture.withEchoWorker {
            try await waitUntil { try await fixture.queue.countByState()[.succeeded] == 1 }
        }
        // What a process leaves behind when it dies between marking the batch and writing its files.
        try await fixture.client.query(
            "UPDATE switchyard.batches SET status = 'finalizing', finalizing_at = now() WHERE id = $1", [Int64(id)!])
        #expect(try await service.runOnce().finalized == [Int64(id)!])
        let batch = await fixture.alice.get("/v1/batches/\(id)")
        #expect(batch.json["status"] == "completed")
        #expect(batch.json["output_file_id"]?.stringValue != nil)
        await fixture.shutdown()
    }

    @Test func servicesRunningAtOnceDoEveryStepExactlyOnce() async throws {
        let fixture = try await APIFixture.make()
        var ids: [Int64] = []
        for batch in 0..<12 {
            let created = await fixture.alice.createBatch(lines: (0..<5).map { batchLine("r\($0)", "batch \(batch) line \($0)") })
            ids.append(try #require(created.json["id"]?.stringValue.flatMap { Int64($0) }))
        }
        let clients = (0..<4).map { _ in TestDatabase.client(fixture.url, maxConnections: 2) }
        let services = clients.map { BatchService(client: $0, listenerConfiguration: nil) }
        let started = try await Self.concurrently(services) { try await $0.runOnce().started }
        #expect(started.sorted() == ids, "each batch validated by exactly one service")
        #expect(try await fixture.jobCount() == 60)

        try await fixture.withEchoWorker {
            try await waitUntil { try await fixture.queue.countByState()[.succeeded] == 60 }
        }
        let finalized = try await Self.concurrently(services) { try await $0.runOnce().finalized }
        #expect(finalized.sorted() == ids, "each batch finalized by exactly one service")
        let files = try await fixture.client.query(
            "SELECT purpose, count(*) AS n FROM switchyard.files GROUP BY purpose ORDER BY purpose")
        #expect(files.map { "\($0.string("purpose") ?? "") \($0.int("n") ?? 0)" } == ["batch 12", "batch_output 12"])
        for client in clients { client.shutdown() }
        await fixture.shutdown()
    }

    @Test func runningServicesAreWokenByNotificationsNotByTheirPoll() async throws {
        let fixture = try await APIFixture.make()
        var settings = BatchSettings()
        settings.pollMs = 600_000
        settings.minPassIntervalMs = 10
        let service = BatchService(client: fixture.client, listenerConfiguration: PostgresConfiguration(url: fixture.url),
                                   settings: settings)
        let running = Task { await service.run() }
        let id = try #require(await fixture.alice.createBatch(lines: [batchLine("a", "x"), batchLine("b", "y")]).json["id"]?.stringValue)
        try await waitUntil(timeoutMs: 20_000) { await fixture.alice.get("/v1/batches/\(id)").json["status"] == "in_progress" }
        try await fixture.withEchoWorker {
            try await waitUntil(timeoutMs: 20_000) { await fixture.alice.get("/v1/batches/\(id)").json["status"] == "completed" }
        }
        service.stop()
        await running.value
        await fixture.shutdown()
    }

    /// Runs `body` on every service at the same time and gathers the results.
    static func concurrently(_ services: [BatchService], _ body: @escaping @Sendable (BatchService) async throws -> [Int64])
        async throws -> [Int64] {
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            for service in services { group.addTask { try await body(service) } }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
    }
}

/// Stands in for a batch service in the middle of a step: its own connection holds a batch row
/// `FOR UPDATE` in an open transaction on a thread of its own, until `die` terminates that
/// backend as a crash would (the transaction rolls back, the lock goes).
struct RowLockHolder {
    let pid: Int32
    let release: DispatchSemaphore
    let finished: Task<Void, Never>

    static func lock(_ batchID: Int64, url: String) async throws -> RowLockHolder {
        let client = TestDatabase.client(url, maxConnections: 1)
        let release = DispatchSemaphore(value: 0)
        let locked = AsyncStream<Int32>.makeStream()
        let finished = Task {
            _ = try? await client.withConnection { connection in
                try connection.execute(unsafeSQL: "BEGIN")
                _ = try connection.query("SELECT id FROM switchyard.batches WHERE id = $1 FOR UPDATE", [batchID])
                locked.continuation.yield(connection.backendPID)
                release.wait()  // a pool thread of this client, not the concurrency pool
                _ = try connection.query("SELECT 1")
            }
            locked.continuation.finish()
            client.shutdown()
        }
        var iterator = locked.stream.makeAsyncIterator()
        guard let pid = await iterator.next() else { throw WaitTimeout() }
        return RowLockHolder(pid: pid, release: release, finished: finished)
    }

    func die(killer: PostgresClient) async throws {
        try await killer.query("SELECT pg_terminate_backend($1)", [pid])
        try await waitUntil {
            try await killer.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]).isEmpty
        }
        release.signal()
        await finished.value
    }
}
