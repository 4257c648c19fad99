@testable import API
import Foundation
import Gateway
import Postgres
import Providers
import Testing
import TestSupport

/// Batch API batches go through the client's token quota when they are validated: the whole
/// batch is charged at once, or it fails with `token_limit_exceeded` (as OpenAI fails a batch over
/// its enqueued-token limit) and creates no job.
@Suite struct APIBatchQuotaTests {
    /// An input line whose request sets `max_tokens`, and its quota estimate as validation computes it.
    static func line(_ customID: String, maxTokens: Int) -> String {
        let body = chatBody("summarize \(customID)", extra: ",\"max_tokens\":\(maxTokens)")
        return #"{"custom_id":"\#(customID)","method":"POST","url":"/v1/chat/completions","body":\#(body)}"#
    }

    static func estimate(_ customID: String, maxTokens: Int) throws -> Int {
        let request = try ChatRequest(json: try JSONValue.parse(chatBody("summarize \(customID)", extra: ",\"max_tokens\":\(maxTokens)")))
        return TokenEstimator.quotaTokens(for: request, defaultCompletionTokens: 256)
    }

    static func client(_ fixture: APIFixture, tpm: Int? = nil, tpd: Int? = nil) async throws -> (APITestClient, Int64) {
        let created = try await ClientKeyStore(client: fixture.client).create(name: "batcher", tpm: tpm, tpd: tpd)
        return (APITestClient(port: fixture.port, key: created.key), created.id)
    }

    @Test func aBatchThatFitsIsChargedForEveryLineWhenValidated() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let ids = ["a", "b", "c"]
        let cost = try ids.map { try Self.estimate($0, maxTokens: 40) }.reduce(0, +)
        let (api, clientID) = try await Self.client(fixture, tpd: cost + 10)
        let created = await api.createBatch(lines: ids.map { Self.line($0, maxTokens: 40) })
        let batchID = try #require(created.json["id"]?.stringValue.flatMap { Int64($0) })
        // Creating the batch charges nothing yet: its lines are read at validation.
        #expect(try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID] == nil)

        #expect(try await BatchService(client: fixture.client, listenerConfiguration: nil).runOnce().started == [batchID])
        let usage = try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]
        #expect(usage?.dayTokens == cost && usage?.reservedJobs == 3)
        let reserved = try await fixture.client.query("""
            SELECT count(*) AS n FROM switchyard.quota_reservations r JOIN switchyard.jobs j ON j.id = r.job_id
            WHERE j.batch_id = $1
            """, [batchID])
        #expect(reserved.first?.int("n") == 3)
        // What is left of the day is what a single submit may still use.
        let refused = await api.post("/v1/jobs", chatBody(extra: #","max_tokens":40"#))
        #expect(refused.status == 429, "\(refused.text)")
        #expect(refused.header("x-ratelimit-remaining-tokens") == "10")

        // Settled from the ledger like any job once the batch's jobs are done (the echo executor calls no provider).
        try await fixture.withEchoWorker {
            try await waitUntil { try await fixture.queue.countByState()[.succeeded] == 3 }
        }
        try await fixture.api.settleQuotas()
        let settled = try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]
        #expect(settled?.dayTokens == 0 && settled?.reservedJobs == 0)
    }

    /// Over quota: `failed` with one `token_limit_exceeded` error (no line), no job, nothing charged.
    @Test(arguments: [
        (tpm: nil, tpd: 100, lines: 3, says: "more than the whole quota"),
        (tpm: 100_000, tpd: 500, lines: 2, says: "once the window ends"),
        (tpm: 100, tpd: nil, lines: 2, says: "per minute"),
    ] as [(tpm: Int?, tpd: Int?, lines: Int, says: String)])
    func aBatchOverTheQuotaFailsWithTokenLimitExceeded(tpm: Int?, tpd: Int?, lines: Int, says: String) async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let (api, clientID) = try await Self.client(fixture, tpm: tpm, tpd: tpd)
        if tpd == 500 {
            // Most of the day is used already: a batch that would fit an empty window does not fit now.
            #expect(await api.post("/v1/jobs", chatBody(extra: #","max_tokens":400"#)).status == 202)
        }
        let before = try await fixture.jobCount()
        let usageBefore = try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]
        let created = await api.createBatch(lines: (0..<lines).map { Self.line("r\($0)", maxTokens: 60) })
        let batchID = try #require(created.json["id"]?.stringValue.flatMap { Int64($0) })

        #expect(try await BatchService(client: fixture.client, listenerConfiguration: nil).runOnce().failed == [batchID])
        let batch = await api.get("/v1/batches/\(batchID)")
        #expect(batch.json["status"] == "failed")
        #expect(batch.json["failed_at"]?.intValue != nil)
        let errors = try #require(batch.json["errors"]?["data"]?.arrayValue)
        #expect(errors.count == 1)
        #expect(errors.first?["code"] == "token_limit_exceeded")
        #expect(errors.first?["line"] == .null && errors.first?["param"] == .null)
        let message = errors.first?["message"]?.stringValue ?? ""
        #expect(message.contains("the batch's \(lines) requests need about") && message.contains(says), "\(message)")
        #expect(try await fixture.jobCount() == before)
        #expect(try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]?.charges == usageBefore?.charges)
        #expect(batch.json["request_counts"]?["total"] == 0)
    }

    @Test func aClientWithoutAQuotaIsNotCounted() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let (api, clientID) = try await Self.client(fixture)
        let created = await api.createBatch(lines: [Self.line("a", maxTokens: 1_000_000)])
        let batchID = try #require(created.json["id"]?.stringValue.flatMap { Int64($0) })
        #expect(try await BatchService(client: fixture.client, listenerConfiguration: nil).runOnce().started == [batchID])
        #expect(try await fixture.jobCount() == 1)
        #expect(try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID] == nil)
    }
}
