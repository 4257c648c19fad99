import Foundation
import Postgres
import Queue
import Synchronization
import Testing

/// The "finished" NOTIFY names the jobs it finished, in payloads PostgreSQL accepts.
@Suite struct JobQueueFinishedPayloadTests {
    @Test(arguments: [0, 1, 3, 500, 3_000])
    func payloadsRoundTripAndStayUnderTheNotifyLimit(count: Int) {
        // Large ids make the most bytes per id.
        let ids = (0 ..< count).map { Int64.max - Int64($0) * 7_919 }
        let payloads = JobQueue.finishedPayloads(ids)
        #expect(payloads.allSatisfy { $0.utf8.count < 8_000 && !$0.isEmpty })
        #expect(payloads.flatMap { JobQueue.jobIDs(payload: $0) ?? [] } == ids)
        // As few as fit: 3,000 ids of 19 digits and a comma need 8 payloads of under 7,900 bytes.
        #expect(payloads.count == (count * 20 + 7_899) / 7_900)
    }

    @Test(arguments: ["", "12,x", "12,,13", "-4", "0"])
    func aPayloadThatNamesNoJobsMeansRecheckEverything(payload: String) {
        #expect(JobQueue.jobIDs(payload: payload) == nil)
    }

    @Test func completionsNotifyTheIdsOfTheJobsThatFinished() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        let heard = Mutex<[Int64]>([])
        let unknown = Mutex(0)
        let notifier = QueueNotifier(configuration: PostgresConfiguration(url: fixture.url), channels: [JobQueue.finishedChannel])
        let listening = Task {
            await notifier.run { event in
                switch event {
                case .jobsFinished(let ids?): heard.withLock { $0.append(contentsOf: ids) }
                case .jobsFinished(nil): unknown.withLock { $0 += 1 }
                default: break
                }
            }
        }
        await notifier.waitUntilListening()
        _ = try await fixture.queue.enqueue((0 ..< 4).map { _ in QueueFixture.job(queue: queue) })
        let claimed = try await fixture.queue.claim(queue: queue, limit: 4, leaseMs: 60_000, workerID: "w")
        try #require(claimed.count == 4)
        // Two finish, one goes back to the queue (not finished), one was cancelled meanwhile.
        _ = try await fixture.queue.cancel(id: claimed[3].id)
        _ = try await fixture.queue.complete([
            .succeeded(claimed[0], result: #"{"object":"chat.completion"}"#),
            .failed(claimed[1], error: JobError(code: "client_error", message: "no")),
            .retry(claimed[2], error: JobError(code: "server_error", message: "again"), delayMs: 60_000),
            .succeeded(claimed[3], result: #"{"object":"chat.completion"}"#),
        ])
        let finished = Set([claimed[0].id, claimed[1].id, claimed[3].id])
        for _ in 0 ..< 500 where Set(heard.withLock { $0 }) != finished {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(Set(heard.withLock { $0 }) == finished)
        #expect(!heard.withLock { $0 }.contains(claimed[2].id))
        #expect(unknown.withLock { $0 } == 0)
        notifier.stop()
        listening.cancel()
    }
}
