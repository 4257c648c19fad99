@testable import API
import Foundation
import Gateway
import Postgres
import Providers
import Queue
import Testing
import TestSupport

/// Token quotas per client over real sockets and PostgreSQL: admission at submit (minute and day
/// windows, headers, nothing enqueued when refused) and settlement from the usage ledger.
@Suite struct APIQuotaTests {
    /// The reservation a `chatBody(content)` with `max_tokens` makes, computed as the server does.
    static func estimate(_ content: String = "hello world", maxTokens: Int) throws -> Int {
        let request = try ChatRequest(json: try JSONValue.parse(chatBody(content, extra: #","max_tokens":\#(maxTokens)"#)))
        return TokenEstimator.quotaTokens(for: request, defaultCompletionTokens: 256)
    }

    /// Waits for the next minute unless 20 s or more are left of this one, so the few requests of
    /// the minute-window test share a window even on a loaded machine. (The other tests use the
    /// day window, which a test run does not cross but near midnight UTC.)
    static func startOfAMinute() async throws {
        let second = Calendar(identifier: .gregorian).component(.second, from: Date())
        if second >= 40 { try await Task.sleep(for: .milliseconds((60 - second) * 1_000 + 100)) }
    }

    static func client(_ fixture: APIFixture, tpm: Int? = nil, tpd: Int? = nil) async throws -> (APITestClient, Int64) {
        let created = try await ClientKeyStore(client: fixture.client).create(name: "quota", tpm: tpm, tpd: tpd)
        return (APITestClient(port: fixture.port, key: created.key), created.id)
    }

    @Test(arguments: ["/v1/jobs", "/v1/chat/completions"])
    func overTheMinuteQuotaIs429WithHeadersAndNothingEnqueued(path: String) async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let cost = try Self.estimate(maxTokens: 40)
        let (api, _) = try await Self.client(fixture, tpm: cost * 2 + cost / 2)
        try await Self.startOfAMinute()
        let body = chatBody(extra: #","max_tokens":40"#)
        for round in 1...2 {
            let admitted = await api.post("/v1/jobs", body)
            #expect(admitted.status == 202, "\(admitted.text)")
            #expect(admitted.header("x-ratelimit-limit-tokens") == String(cost * 2 + cost / 2))
            #expect(admitted.header("x-ratelimit-remaining-tokens") == String(cost * 2 + cost / 2 - round * cost))
            #expect(admitted.header("x-switchyard-quota-window") == "minute")
        }
        let jobsBefore = try await fixture.jobCount()
        let refused = await api.post(path, body)
        #expect(refused.status == 429, "\(refused.text)")
        #expect(refused.json["error"]?["type"]?.stringValue == "tokens")
        #expect(refused.json["error"]?["code"]?.stringValue == "rate_limit_exceeded")
        #expect(refused.errorMessage.contains("per minute"), "\(refused.errorMessage)")
        #expect(refused.header("x-ratelimit-limit-tokens") == String(cost * 2 + cost / 2))
        #expect(refused.header("x-ratelimit-remaining-tokens") == String(cost / 2))
        let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) })
        #expect((1...60).contains(retryAfter))
        let reset = try #require(refused.header("x-ratelimit-reset-tokens").flatMap(RateLimitInfo.parseDuration))
        #expect(reset > 0 && reset <= 60)
        #expect(abs(Double(retryAfter) - reset) <= 1)
        #expect(try await fixture.jobCount() == jobsBefore)
        #expect(refused.header("x-switchyard-job-id") == nil)
        // Another client is not affected.
        #expect(await fixture.alice.post("/v1/jobs", body).status == 202)
    }

    @Test func overTheDayQuotaNamesTheDayWindowAndWaitsForMidnightUTC() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let cost = try Self.estimate(maxTokens: 100)
        let (api, _) = try await Self.client(fixture, tpm: cost * 10, tpd: cost)
        let body = chatBody(extra: #","max_tokens":100"#)
        let admitted = await api.post("/v1/jobs", body)
        #expect(admitted.status == 202, "\(admitted.text)")
        #expect(admitted.header("x-switchyard-quota-window") == "day")  // the window with fewer tokens left
        #expect(admitted.header("x-ratelimit-remaining-tokens") == "0")
        let sent = Date()
        let refused = await api.post("/v1/jobs", body)
        let answered = Date()
        #expect(refused.status == 429)
        #expect(refused.errorMessage.contains("per day"), "\(refused.errorMessage)")
        #expect(refused.header("x-switchyard-quota-window") == "day")
        #expect(refused.header("x-ratelimit-limit-tokens") == String(cost))
        let calendar = { var c = Calendar(identifier: .gregorian); c.timeZone = TimeZone(identifier: "UTC")!; return c }()
        let midnight = calendar.nextDate(after: sent, matching: DateComponents(hour: 0, minute: 0, second: 0),
                                         matchingPolicy: .nextTime)!
        let retryAfter = try #require(refused.header("Retry-After").flatMap { Double($0) })
        // Seconds to midnight when the server decided, somewhere between sending and the answer
        // (whole seconds, rounded either way): however slow the machine, not a fixed tolerance.
        let latest = midnight.timeIntervalSince(sent) + 1, earliest = midnight.timeIntervalSince(answered) - 1
        #expect(retryAfter >= earliest && retryAfter <= latest, "Retry-After \(retryAfter), expected \(earliest)...\(latest)")
        let reset = try #require(refused.header("x-ratelimit-reset-tokens").flatMap(RateLimitInfo.parseDuration))
        #expect(abs(reset - retryAfter) <= 1)
        #expect(try await fixture.jobCount() == 1)
    }

    @Test func aRequestLargerThanTheWholeQuotaIsRefusedWithoutRetryAfter() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let (api, _) = try await Self.client(fixture, tpm: 100)
        let refused = await api.post("/v1/chat/completions", chatBody(extra: #","max_tokens":500"#))
        #expect(refused.status == 429)
        #expect(refused.header("Retry-After") == nil)
        #expect(refused.errorMessage.contains("more than the whole quota"), "\(refused.errorMessage)")
        #expect(try await fixture.jobCount() == 0)
    }

    @Test func anIdempotentRepeatIsNotChargedAgain() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let cost = try Self.estimate(maxTokens: 10)
        let (api, _) = try await Self.client(fixture, tpd: cost)
        let body = chatBody(extra: #","max_tokens":10"#)
        let first = await api.post("/v1/jobs", body, headers: [("Idempotency-Key", "k1")])
        #expect(first.status == 202)
        // The window is full, but a repeat returns the job it already made.
        let repeated = await api.post("/v1/jobs", body, headers: [("Idempotency-Key", "k1")])
        #expect(repeated.status == 200, "\(repeated.text)")
        #expect(repeated.json["id"] == first.json["id"])
        #expect(repeated.header("x-ratelimit-remaining-tokens") == "0")
        #expect(await api.post("/v1/jobs", body, headers: [("Idempotency-Key", "k2")]).status == 429)
        #expect(try await fixture.jobCount() == 1)
    }

    @Test func concurrentSubmitsNeverTakeMoreThanTheQuota() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let cost = try Self.estimate(maxTokens: 20)
        let (api, _) = try await Self.client(fixture, tpd: cost * 5)
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { await api.post("/v1/jobs", chatBody(extra: #","max_tokens":20"#)).status } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 202 }.count == 5, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 15, "\(statuses)")
        #expect(try await fixture.jobCount() == 5)
    }

    /// Settlement replaces each finished job's estimate by its provider tokens from the ledger
    /// (cache hits excluded) in the minute it was submitted; unfinished jobs keep their estimate.
    @Test func settlementReplacesEstimatesWithLedgerTokens() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let cost = try Self.estimate(maxTokens: 50)
        let (api, clientID) = try await Self.client(fixture, tpd: cost * 3)
        let body = chatBody(extra: #","max_tokens":50"#)
        var ids: [Int64] = []
        for _ in 0..<3 {
            let answer = await api.post("/v1/jobs", body)
            #expect(answer.status == 202, "\(answer.text)")
            ids.append(try #require(answer.json["id"]?.stringValue.flatMap { Int64($0) }))
        }
        #expect(await api.post("/v1/jobs", body).status == 429)

        // Plays the worker: job 0 succeeded after a failed call and a good one (7 + 3 tokens), job 1
        // was answered from the cache (tokens not counted), job 2 is still queued. The ledger rows
        // come first, as a worker writes them with the completion: serve's own settler may run any time.
        let ledger = AnalyticsFixture(url: fixture.url, client: fixture.client)
        try await ledger.attempt(job: ids[0], .init(deployment: "d", provider: "p", model: "m", outcome: "server_error", prompt: 4))
        try await ledger.attempt(job: ids[0], .init(deployment: "d", provider: "p", model: "m", prompt: 3, completion: 3))
        try await ledger.attempt(job: ids[1], .init(deployment: "d", provider: "p", model: "m", outcome: "cache_hit",
                                                    prompt: 100, completion: 100))
        _ = try await fixture.client.query(
            "UPDATE switchyard.jobs SET state = 'succeeded', finished_at = now(), result = '{}' WHERE id = ANY($1::bigint[])",
            [Array(ids.prefix(2))])
        try await fixture.api.settleQuotas()

        let usage = try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]
        #expect(usage?.dayTokens == 10 + cost && usage?.reservedJobs == 1, "\(String(describing: usage)), estimate \(cost)")
        let reservations = try await fixture.client.query("SELECT job_id FROM switchyard.quota_reservations")
        #expect(reservations.compactMap { $0.int64("job_id") } == [ids[2]])
        // Settling again changes nothing.
        try await fixture.api.settleQuotas()
        #expect(try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]?.charges == usage?.charges)

        // The freed tokens admit another job, and the headers count from the settled figure.
        let next = await api.post("/v1/jobs", body)
        #expect(next.status == 202, "\(next.text)")
        #expect(next.header("x-ratelimit-remaining-tokens") == String(cost * 3 - 10 - 2 * cost))

        // clients list and the admin route show the same numbers.
        let listed = try await ClientKeyStore(client: fixture.client).summaries().first { $0.client.id == clientID }
        #expect(listed?.usage.dayTokens == 10 + 2 * cost)
        #expect(listed?.client.quota == TokenQuota(perDay: cost * 3))
    }

    @Test func serveSettlesOnItsOwnAfterAWorkerFinishesTheJobs() async throws {
        var configuration = GatewayAPI.Configuration()
        configuration.quotaSettleMs = 50
        let fixture = try await APIFixture.make(configuration: configuration)
        defer { Task { await fixture.shutdown() } }
        let cost = try Self.estimate(maxTokens: 30)
        let (api, clientID) = try await Self.client(fixture, tpd: cost)
        let answer = try await fixture.withEchoWorker { () async -> APIResponse in
            await api.post("/v1/chat/completions", chatBody(extra: #","max_tokens":30"#))
        }
        #expect(answer.status == 200, "\(answer.text)")
        // The echo executor calls no provider: once settled, the job counts 0 tokens.
        var usage: QuotaLedger.ClientUsage?
        for _ in 0..<800 {  // up to 20 s: a loaded machine, not the point of the test
            usage = try await QuotaLedger(client: fixture.client).usage(clientIDs: [clientID])[clientID]
            if usage?.reservedJobs == 0 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(usage == QuotaLedger.ClientUsage(minuteTokens: 0, dayTokens: 0, reservedJobs: 0))
        #expect(await api.post("/v1/jobs", chatBody(extra: #","max_tokens":30"#)).status == 202)
    }

    @Test(arguments: [
        (0.0, "0s"), (0.2, "200ms"), (0.0004, "1ms"), (1.0, "1s"), (42.3, "43s"), (60.0, "1m0s"), (303.0, "5m3s"),
        (46_807.0, "13h0m7s"),
    ])
    func resetDurationsAreGoStyleAsOpenAISendsThem(seconds: Double, text: String) throws {
        let formatted = GatewayAPI.resetDuration(seconds)
        #expect(formatted == text)
        let parsed = try #require(RateLimitInfo.parseDuration(formatted))
        #expect(parsed >= seconds - 1e-9 && parsed - seconds < 1)
    }
}
