import Foundation
import Testing

/// Stopping the API answers waiting requests instead of leaving them (or spinning) until their timeout.
@Suite struct APIShutdownTests {
    @Test func stopAnswersWaitingRequests() async throws {
        let fixture = try await APIFixture.make()
        let id = try #require(await fixture.alice.post("/v1/jobs", chatBody()).json["id"]?.stringValue)
        let poll = Task { await fixture.alice.get("/v1/jobs/\(id)?wait=30") }
        let chat = Task { await fixture.alice.post("/v1/chat/completions", chatBody("waiting")) }
        for _ in 0..<200 where fixture.api.waiterCount < 2 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(fixture.api.waiterCount == 2)
        let started = Date()
        fixture.api.stop()
        let polled = await poll.value
        let chatted = await chat.value
        #expect(Date().timeIntervalSince(started) < 20, "answered at the stop, not at the 30 s wait's end")
        #expect(polled.status == 200)
        #expect(polled.json["status"]?.stringValue == "queued")
        #expect(chatted.status == 503)
        #expect(chatted.json["error"]?["code"]?.stringValue == "shutting_down")
        await fixture.shutdown()
    }
}
