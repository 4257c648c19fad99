import API
import Foundation
import Queue
import Testing

/// Clients that hang up while the API waits for their job, over real sockets.
@Suite struct APIDisconnectTests {
    /// Polls `condition` every 20 ms for up to 10 s.
    private func eventually(_ condition: () async throws -> Bool) async rethrows -> Bool {
        for _ in 0 ..< 500 {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The newest job of the fixture's database, once one exists.
    private func newestJob(_ fixture: APIFixture) async throws -> JobRecord? {
        var found: JobRecord?
        _ = try await eventually {
            let id = try await fixture.client.query("SELECT max(id) AS id FROM switchyard.jobs").first?.int64("id")
            if let id { found = try await fixture.queue.job(id: id) }
            return found != nil
        }
        return found
    }

    @Test func hangingUpOnAChatCompletionCancelsItsQueuedJob() async throws {
        let fixture = try await APIFixture.make()
        // No worker: the job stays queued while the request waits.
        let request = try #require(await fixture.alice.send("POST", "/v1/chat/completions", body: chatBody("nobody listens")))
        let job = try #require(try await newestJob(fixture))
        #expect(await eventually { fixture.api.waiterCount == 1 })
        #expect(job.state == .queued)
        request.hangUp()
        #expect(try await eventually { try await fixture.queue.job(id: job.id)?.state == .cancelled })
        #expect(await eventually { fixture.api.waiterCount == 0 })
        await fixture.shutdown()
    }

    @Test func hangingUpOnAChatCompletionCancelsItsRunningJobAtTheNextCheckpoint() async throws {
        let fixture = try await APIFixture.make()
        let request = try #require(await fixture.alice.send("POST", "/v1/chat/completions", body: chatBody("too slow")))
        _ = try #require(try await newestJob(fixture))
        // Plays a worker that has claimed the job and is still calling the provider.
        var claimed: [ClaimedJob] = []
        _ = try await eventually {
            claimed = try await fixture.queue.claim(queue: "default", limit: 1, leaseMs: 30_000, workerID: "slow")
            return !claimed.isEmpty
        }
        let job = try #require(claimed.first)
        request.hangUp()
        #expect(try await eventually { try await fixture.queue.job(id: job.id)?.cancelRequested == true })
        let beat = try await fixture.queue.heartbeat([(id: job.id, attempt: job.attempt)], leaseMs: 30_000)
        #expect(beat.cancelled == [job.id])
        #expect(try await fixture.queue.job(id: job.id)?.state == .cancelled)
        await fixture.shutdown()
    }

    @Test func hangingUpOnALongPollStopsWaitingButLeavesTheJob() async throws {
        let fixture = try await APIFixture.make()
        let submitted = await fixture.alice.post("/v1/jobs", chatBody("keep me"))
        let id = try #require(submitted.json["id"]?.stringValue.flatMap { Int64($0) })
        let request = try #require(await fixture.alice.send("GET", "/v1/jobs/\(id)?wait=30"))
        #expect(await eventually { fixture.api.waiterCount == 1 })
        request.hangUp()
        #expect(await eventually { fixture.api.waiterCount == 0 })
        let job = try #require(try await fixture.queue.job(id: id))
        #expect(job.state == .queued)
        #expect(!job.cancelRequested)
        await fixture.shutdown()
    }

    @Test func aClientThatWaitsGetsItsAnswerAndTheJobIsNotCancelled() async throws {
        let fixture = try await APIFixture.make()
        let response = try await fixture.withEchoWorker {
            await fixture.alice.post("/v1/chat/completions", chatBody("still here"))
        }
        #expect(response.status == 200)
        let id = try #require(response.header("x-switchyard-job-id").flatMap { Int64($0) })
        let job = try #require(try await fixture.queue.job(id: id))
        #expect(job.state == .succeeded)
        #expect(!job.cancelRequested)
        await fixture.shutdown()
    }
}
