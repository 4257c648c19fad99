import Foundation
import Postgres
import Queue
import Synchronization
import Testing

@Suite struct JobQueueNotifyTests {
    @Test(arguments: [
        ("", nil), ("7", [7]), ("1,2,3", [1, 2, 3]), ("1,,2", nil), ("x", nil), ("0", nil), ("-3", nil), ("4,", nil),
    ] as [(String, [Int64]?)])
    func payloadsNameJobsOrNone(payload: String, ids: [Int64]?) {
        #expect(JobQueue.jobIDs(payload: payload) == ids)
    }

    @Test func aSmallInsertNamesItsJobsAndABulkOneDoesNot() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let notifier = QueueNotifier(configuration: PostgresConfiguration(url: fixture.url), channels: [JobQueue.jobsChannel])
        let events = WakeUps()
        let listening = Task {
            await notifier.run { event in
                if case .jobsAvailable(let ids) = event { events.ids.withLock { $0.append(ids) } }
            }
        }
        await notifier.waitUntilListening()
        defer {
            notifier.stop()
            listening.cancel()
        }
        func next(after count: Int) async throws -> [Int64]? {
            let start = Date()
            while events.ids.withLock({ $0.count }) <= count && Date().timeIntervalSince(start) < 10 {
                try await Task.sleep(for: .milliseconds(10))
            }
            return try #require(events.ids.withLock { $0.count > count ? $0[count] : nil })
        }

        let queue = QueueFixture.uniqueQueue()
        let one = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        #expect(try await next(after: 0) == [one.id])
        let three = try await fixture.queue.enqueue([NewJob](repeating: QueueFixture.job(queue: queue), count: 3))
        #expect(try await next(after: 1) == three.map(\.id))
        _ = try await fixture.queue.enqueue([NewJob](repeating: QueueFixture.job(queue: queue), count: 150))
        #expect(try await next(after: 2) == .some(nil))

        // An idempotent repeat inserts nothing and wakes nobody: the next wake-up is the marker's.
        var keyed = QueueFixture.job(queue: queue)
        keyed.idempotencyKey = "once"
        let first = try await fixture.queue.enqueue(keyed)
        #expect(try await next(after: 3) == [first.id])
        #expect(try await fixture.queue.enqueue(keyed).created == false)
        let marker = try await fixture.queue.enqueue(QueueFixture.job(queue: queue))
        #expect(try await next(after: 4) == [marker.id])
    }

    @Test func aClaimByIDTakesOnlyTheNamedRunnableJobsOfItsQueueInClaimOrder() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let low = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 0))
        let high = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 5))
        var later = QueueFixture.job(queue: queue)
        later.runAt = Date().addingTimeInterval(3_600)
        let scheduled = try await fixture.queue.enqueue(later)
        let elsewhere = try await fixture.queue.enqueue(QueueFixture.job(queue: queue + "-other"))
        let unnamed = try await fixture.queue.enqueue(QueueFixture.job(queue: queue, priority: 9))
        let named = [low.id, high.id, scheduled.id, elsewhere.id]

        let first = try await fixture.queue.claim(ids: named, queue: queue, limit: 1, leaseMs: 60_000, workerID: "w")
        #expect(first.map(\.id) == [high.id])
        #expect(first.first?.attempt == 1)
        let rest = try await fixture.queue.claim(ids: named, queue: queue, limit: 10, leaseMs: 60_000, workerID: "w")
        #expect(rest.map(\.id) == [low.id])
        #expect(try await fixture.queue.claim(ids: named, queue: queue, limit: 10, leaseMs: 60_000, workerID: "w").isEmpty)
        #expect(try await fixture.row(unnamed.id).state == .queued)
        #expect(try await fixture.row(scheduled.id).state == .queued)
        #expect(try await fixture.row(elsewhere.id).state == .queued)
        #expect(try await fixture.row(low.id).state == .running)
    }
}

/// The ids each `jobsAvailable` wake-up named, in order.
private final class WakeUps: Sendable {
    let ids = Mutex<[[Int64]?]>([])
}
