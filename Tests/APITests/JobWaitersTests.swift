import API
import Dispatch
import Foundation
import Postgres
import Queue
import Testing

/// Waiters are woken by the ids in the completion NOTIFY, not by polling: the checker's poll is
/// set to a minute here, so only the notification can end a wait within the bounds below.
@Suite struct JobWaitersTests {
    private func claimOne(_ fixture: APIFixture) async throws -> ClaimedJob {
        _ = try await fixture.queue.enqueue(NewJob(route: "echo-model", request: chatBody()))
        return try #require(try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 60_000, workerID: "w").first)
    }

    private func timed(_ body: () async -> Void) async -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func aCompletionWakesItsWaiterAndAWaiterThatComesLateReturnsAtOnce() async throws {
        let fixture = try await APIFixture.make()
        let waiters = JobWaiters(queue: fixture.queue, listenerConfiguration: PostgresConfiguration(url: fixture.url), pollMs: 60_000)
        await waiters.start()

        let first = try await claimOne(fixture)
        let waiting = Task { await timed { await waiters.wait(for: first.id, timeoutMs: 30_000) } }
        for _ in 0 ..< 500 where waiters.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
        _ = try await fixture.queue.complete([.succeeded(first, result: #"{"object":"chat.completion"}"#)])
        #expect(await waiting.value < 10, "woken by the notification, not the 30 s timeout")

        // This job's notification is (almost always) heard before anyone waits for it: the id is
        // remembered, so the wait returns at once instead of at the 30 s timeout.
        let second = try await claimOne(fixture)
        _ = try await fixture.queue.complete([.succeeded(second, result: #"{"object":"chat.completion"}"#)])
        try await Task.sleep(for: .milliseconds(300))
        #expect(await timed { await waiters.wait(for: second.id, timeoutMs: 30_000) } < 10)
        #expect(waiters.count == 0)

        // A remembered id is used once: waiting again (as a caller that found the job unfinished
        // after all would) waits for a new notification or the timeout, it does not spin.
        #expect(await timed { await waiters.wait(for: second.id, timeoutMs: 300) } >= 0.25)

        // Other jobs' notifications do not wake a waiter.
        let third = try await claimOne(fixture)
        let fourth = try await claimOne(fixture)
        let waitingThird = Task { await timed { await waiters.wait(for: third.id, timeoutMs: 1_500) } }
        for _ in 0 ..< 500 where waiters.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
        _ = try await fixture.queue.complete([.succeeded(fourth, result: #"{"object":"chat.completion"}"#)])
        #expect(await waitingThird.value >= 1.4)

        waiters.stop()
        await fixture.shutdown()
    }
}
