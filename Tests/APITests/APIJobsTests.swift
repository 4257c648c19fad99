import Foundation
import Providers
import Queue
import Testing

/// `/v1/jobs`: submit, read, long-poll, cancel, list, idempotency, isolation between clients.
@Suite struct APIJobsTests {
    @Test func submitReadCancelAndList() async throws {
        let fixture = try await APIFixture.make()
        let submitted = await fixture.alice.post(
            "/v1/jobs", chatBody(extra: #","priority":7,"queue":"docs","metadata":{"doc":"a.md"},"cache":{"no_cache":true},"deadline":"2030-01-01T00:00:00Z""#))
        #expect(submitted.status == 202, "\(submitted.text)")
        #expect(submitted.json["status"]?.stringValue == "queued")
        let id = try #require(submitted.json["id"]?.stringValue)
        let job = await fixture.alice.get("/v1/jobs/\(id)")
        #expect(job.status == 200)
        #expect(job.json["priority"]?.intValue == 7)
        #expect(job.json["queue"]?.stringValue == "docs")
        #expect(job.json["metadata"]?["doc"]?.stringValue == "a.md")
        #expect(job.json["model"]?.stringValue == "echo-model")
        #expect(job.json["deadline"]?.stringValue?.hasPrefix("2030-01-01T00:00:00") == true)
        let stored = try #require(try await fixture.queue.job(id: Int64(id)!))
        #expect(stored.options.contains("no_cache"))
        #expect(!stored.request.contains("priority"))

        let second = await fixture.alice.post("/v1/jobs", chatBody("second"))
        let secondID = try #require(second.json["id"]?.stringValue)
        let cancelled = await fixture.alice.request("DELETE", "/v1/jobs/\(id)")
        #expect(cancelled.status == 200)
        #expect(cancelled.json["status"]?.stringValue == "cancelled")

        let all = await fixture.alice.get("/v1/jobs")
        #expect(all.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [secondID, id])
        let onlyCancelled = await fixture.alice.get("/v1/jobs?status=cancelled")
        #expect(onlyCancelled.json["data"]?.arrayValue?.count == 1)
        let page = await fixture.alice.get("/v1/jobs?limit=1")
        #expect(page.json["has_more"]?.boolValue == true)
        let next = await fixture.alice.get("/v1/jobs?limit=1&after=\(secondID)")
        #expect(next.json["data"]?.arrayValue?.first?["id"]?.stringValue == id)
        #expect(await fixture.alice.get("/v1/jobs?status=done").status == 400)
        #expect(await fixture.alice.get("/v1/jobs/999999").status == 404)
        #expect(await fixture.alice.get("/v1/jobs/abc").status == 404)
        await fixture.shutdown()
    }

    @Test func otherClientsJobsAreNotFound() async throws {
        let fixture = try await APIFixture.make()
        let id = try #require(await fixture.alice.post("/v1/jobs", chatBody()).json["id"]?.stringValue)
        #expect(await fixture.bob.get("/v1/jobs/\(id)").status == 404)
        #expect(await fixture.bob.request("DELETE", "/v1/jobs/\(id)").status == 404)
        #expect(await fixture.bob.get("/v1/jobs").json["data"]?.arrayValue?.isEmpty == true)
        #expect(try await fixture.queue.job(id: Int64(id)!)?.state == .queued)
        await fixture.shutdown()
    }

    @Test func idempotencyKeyReturnsTheSameJobPerClient() async throws {
        let fixture = try await APIFixture.make()
        let header = [("Idempotency-Key", "doc-42")]
        let first = await fixture.alice.post("/v1/jobs", chatBody(), headers: header)
        let again = await fixture.alice.post("/v1/jobs", chatBody(), headers: header)
        let bobs = await fixture.bob.post("/v1/jobs", chatBody(), headers: header)
        #expect(first.status == 202)
        #expect(again.status == 200)
        #expect(first.json["id"] == again.json["id"])
        #expect(bobs.status == 202)
        #expect(bobs.json["id"] != first.json["id"])
        #expect(try await fixture.jobCount() == 2)
        await fixture.shutdown()
    }

    @Test func longPollWakesOnCompletion() async throws {
        let fixture = try await APIFixture.make()
        let id = try #require(await fixture.alice.post("/v1/jobs", chatBody("ping")).json["id"]?.stringValue)
        let immediate = await fixture.alice.get("/v1/jobs/\(id)?wait=0")
        #expect(immediate.json["status"]?.stringValue == "queued")
        let started = Date()
        let timedOut = await fixture.alice.get("/v1/jobs/\(id)?wait=0.3")
        #expect(timedOut.json["status"]?.stringValue == "queued")
        #expect(Date().timeIntervalSince(started) >= 0.3)
        let finished = try await fixture.withEchoWorker {
            await fixture.alice.get("/v1/jobs/\(id)?wait=30")
        }
        #expect(finished.json["status"]?.stringValue == "succeeded")
        #expect(finished.json["result"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == "ping")
        #expect(finished.json["finished_at"]?.stringValue != nil)
        await fixture.shutdown()
    }

    @Test func manyConcurrentWaitersShareOneListener() async throws {
        let fixture = try await APIFixture.make()
        let ids = try await fixture.queue.enqueue((0..<1_000).map { i in
            var job = NewJob(route: "echo-model", request: chatBody("n\(i)"))
            job.clientID = 1
            return job
        }).map(\.id)
        let statuses = try await withThrowingTaskGroup(of: String.self) { group in
            // The longest wait serve allows: parking 1,000 requests and then running their jobs took
            // over 30 s in a loaded full run, and the waits that ran out answered "queued".
            for id in ids { group.addTask { await fixture.alice.get("/v1/jobs/\(id)?wait=60").json["status"]?.stringValue ?? "" } }
            // Every request is parked before any job finishes (generous bound: the machine may be busy).
            for _ in 0..<600 where fixture.api.waiterCount < ids.count { try await Task.sleep(for: .milliseconds(50)) }
            #expect(fixture.api.waiterCount == ids.count)
            // The waiters share the pool (8) and one LISTEN connection; none holds a connection of its own.
            let connections = try await fixture.client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()").first?.int("count") ?? 0
            #expect(connections <= 9)
            return try await fixture.withEchoWorker {
                var out: [String] = []
                for try await status in group { out.append(status) }
                return out
            }
        }
        #expect(statuses.count == 1_000)
        #expect(statuses.allSatisfy { $0 == "succeeded" })
        #expect(fixture.api.waiterCount == 0)
        await fixture.shutdown()
    }
}
