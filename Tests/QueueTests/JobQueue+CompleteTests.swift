import Foundation
import Queue
import Testing

@Suite struct JobQueueCompleteTests {
    /// Enqueues one job and claims it.
    func claimOne(_ fixture: QueueFixture, maxAttempts: Int = 5, deadline: Date? = nil) async throws -> (String, ClaimedJob) {
        let queue = QueueFixture.uniqueQueue()
        var job = QueueFixture.job(queue: queue, maxAttempts: maxAttempts)
        job.deadline = deadline
        _ = try await fixture.queue.enqueue(job)
        let claimed = try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w")
        return (queue, try #require(claimed.first))
    }

    @Test func successStoresTheResultOnce() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (_, job) = try await claimOne(fixture)
        let result = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[]}"
        let written = try await fixture.queue.complete([.succeeded(job, result: result)])
        #expect(written.written.map(\.state) == [.succeeded])
        let again = try await fixture.queue.complete([.failed(job, error: JobError(code: "late", message: "late"))])
        #expect(again.written.isEmpty && again.skipped == [job.id])
        let row = try await fixture.row(job.id)
        #expect(row.state == .succeeded)
        #expect(row.result?.contains("chat.completion") == true)
        #expect(row.error == nil)
        #expect(row.finishedAt != nil)
    }

    @Test func aCompletionWritesItsRoutingTraceAndCacheKeyOnlyWithItsTransition() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (_, traced) = try await claimOne(fixture)
        let (_, plain) = try await claimOne(fixture)
        var first = JobCompletion.succeeded(traced, result: "{\"object\":\"chat.completion\"}")
        first.routingTrace = "{\"chosen\":\"gpt-4o\",\"note\":\"a \\\"quoted\\\" word\"}"
        first.cacheKey = "k-1"
        let written = try await fixture.queue.complete([first, .succeeded(plain, result: "{}")])
        #expect(Set(written.written.map(\.id)) == [traced.id, plain.id])
        let rows = try await fixture.client.query(
            "SELECT id, routing_trace->>'note' AS note, cache_key FROM switchyard.jobs WHERE id = ANY($1::bigint[]) ORDER BY id",
            ["{\(traced.id),\(plain.id)}"])
        #expect(rows.map { $0.string("note") } == ["a \"quoted\" word", nil])
        #expect(rows.map { $0.string("cache_key") } == ["k-1", nil])

        // A late write for a claim that ended changes neither.
        var late = JobCompletion.failed(traced, error: JobError(code: "late", message: "late"))
        late.routingTrace = "{\"chosen\":\"other\"}"
        late.cacheKey = "k-2"
        #expect(try await fixture.queue.complete([late]).skipped == [traced.id])
        let after = try await fixture.client.query(
            "SELECT routing_trace->>'chosen' AS chosen, cache_key FROM switchyard.jobs WHERE id = $1", [traced.id])
        #expect(after.first?.string("chosen") == "gpt-4o")
        #expect(after.first?.string("cache_key") == "k-1")
    }

    @Test func writesOfAWorkerThatDoesNotHoldTheClaimAreSkippedUnderTheSameAttempt() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        // claimOne claims as "w"; "other" has the same (id, attempt), as after a claim lost in a crash.
        let (_, job) = try await claimOne(fixture)
        let beat = try await fixture.queue.heartbeat([(id: job.id, attempt: job.attempt)], leaseMs: 60_000, workerID: "other")
        #expect(beat.lost == [job.id])
        let stray = try await fixture.queue.complete([.succeeded(job, result: "{}")], workerID: "other")
        #expect(stray.written.isEmpty && stray.skipped == [job.id])
        #expect(try await fixture.row(job.id).state == .running)
        #expect(try await fixture.queue.heartbeat([(id: job.id, attempt: job.attempt)], leaseMs: 60_000, workerID: "w").lost.isEmpty)
        let own = try await fixture.queue.complete([.succeeded(job, result: "{}")], workerID: "w")
        #expect(own.written.map(\.state) == [.succeeded])
    }

    @Test func nonRetryableFailureFailsAtOnce() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (_, job) = try await claimOne(fixture)
        _ = try await fixture.queue.complete([.failed(job, error: JobError(code: "client_error", message: "bad request"))])
        let row = try await fixture.row(job.id)
        #expect(row.state == .failed)
        #expect(row.error.flatMap(JobError.init(json:))?.code == "client_error")
    }

    @Test func retriesBackOffUntilMaxAttemptsThenFailWithTheLastError() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (queue, first) = try await claimOne(fixture, maxAttempts: 3)
        _ = try await fixture.queue.complete([.retry(first, error: JobError(code: "e1", message: "one"), delayMs: 60_000)])
        var row = try await fixture.row(first.id)
        #expect(row.state == .queued)
        #expect(row.runAt > Date().addingTimeInterval(30))
        #expect(row.error.flatMap(JobError.init(json:))?.code == "e1")
        #expect(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 1_000, workerID: "w").isEmpty)

        for attempt in 2...3 {
            try await fixture.client.query("UPDATE switchyard.jobs SET run_at = now() WHERE id = $1", [first.id])
            let job = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w").first)
            #expect(job.attempt == Int32(attempt))
            _ = try await fixture.queue.complete([.retry(job, error: JobError(code: "e\(attempt)", message: "again"), delayMs: 0)])
        }
        row = try await fixture.row(first.id)
        #expect(row.state == .failed)
        #expect(row.attempt == 3)
        #expect(row.error.flatMap(JobError.init(json:))?.code == "e3")
        #expect(row.finishedAt != nil)
    }

    @Test func snoozeDoesNotUseAnAttempt() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (queue, job) = try await claimOne(fixture, maxAttempts: 1)
        _ = try await fixture.queue.complete([.snooze(job, delayMs: 0, reason: JobError(code: "rate_limited", message: "429"))])
        var row = try await fixture.row(job.id)
        #expect(row.state == .queued)
        #expect(row.snoozes == 1)
        // With max_attempts 1, a retryable failure on the next claim still gets... the one attempt it has.
        let again = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w").first)
        #expect(again.attempt == 2 && again.failuresIncludingThis == 1)
        _ = try await fixture.queue.complete([.retry(again, error: JobError(code: "boom", message: "x"), delayMs: 0)])
        row = try await fixture.row(job.id)
        #expect(row.state == .failed)
    }

    @Test func snoozePastTheDeadlineFails() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (_, job) = try await claimOne(fixture, deadline: Date().addingTimeInterval(60))
        _ = try await fixture.queue.complete([.snooze(job, delayMs: 3_600_000)])
        let row = try await fixture.row(job.id)
        #expect(row.state == .failed)
        #expect(row.error.flatMap(JobError.init(json:))?.code == "deadline_exceeded")
    }

    @Test func releasedJobsAreQueuedAgainWithoutUsingAnAttempt() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (queue, job) = try await claimOne(fixture, maxAttempts: 1)
        _ = try await fixture.queue.complete([.released(job)])
        let row = try await fixture.row(job.id)
        #expect(row.state == .queued && row.snoozes == 1)
        let again = try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w")
        #expect(again.first?.failuresIncludingThis == 1)
    }

    @Test func aWorkerThatLostItsLeaseCannotOverwriteTheNewClaim() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let (queue, stale) = try await claimOne(fixture)
        try await fixture.expireLeases(ids: [stale.id])
        let rescued = try await fixture.queue.rescueExpired()
        #expect(rescued.contains { $0.id == stale.id && $0.state == .queued })
        let fresh = try #require(try await fixture.queue.claim(queue: queue, limit: 1, leaseMs: 60_000, workerID: "w2").first)
        #expect(fresh.attempt == 2)
        let late = try await fixture.queue.complete([.succeeded(stale, result: "{\"stale\":true}")])
        #expect(late.skipped == [stale.id])
        let heartbeat = try await fixture.queue.heartbeat([(stale.id, stale.attempt)], leaseMs: 60_000)
        #expect(heartbeat.lost == [stale.id])
        _ = try await fixture.queue.complete([.succeeded(fresh, result: "{\"fresh\":true}")])
        let row = try await fixture.row(stale.id)
        #expect(row.state == .succeeded)
        #expect(row.result?.contains("fresh") == true)
    }

    @Test func aBatchAppliesEachCompletionToItsOwnJob() async throws {
        let fixture = try await QueueFixture.make()
        defer { fixture.shutdown() }
        let queue = QueueFixture.uniqueQueue()
        _ = try await fixture.queue.enqueue((0..<300).map { _ in QueueFixture.job(queue: queue) })
        let jobs = try await fixture.queue.claim(queue: queue, limit: 300, leaseMs: 60_000, workerID: "w")
        let completions = jobs.map { job -> JobCompletion in
            job.id % 2 == 0 ? .succeeded(job, result: "{\"for\":\"\(job.id)\"}")
                : .failed(job, error: JobError(code: "odd", message: String(job.id)))
        }
        let result = try await fixture.queue.complete(completions.shuffled())
        #expect(result.written.count == 300)
        for job in jobs.prefix(20) {
            let row = try await fixture.row(job.id)
            if job.id % 2 == 0 {
                #expect(row.state == .succeeded && row.result?.contains("\"\(job.id)\"") == true)
            } else {
                #expect(row.state == .failed && row.error.flatMap(JobError.init(json:))?.message == String(job.id))
            }
        }
    }
}
