import API
import Foundation
import Postgres
import Providers
import Testing
import TestSupport

/// `GET /v1/analytics/{view}` over a known ledger (``AnalyticsFixture``): exact values, the
/// allow-list, `since` / `limit`, and what a client key may see.
@Suite struct APIAnalyticsTests {
    /// The API with the known ledger loaded, alice owning gpt-4o-mini's jobs, and an admin key.
    static func make(_ name: String = #function) async throws -> (APIFixture, APITestClient) {
        let fixture = try await APIFixture.make(name)
        let aliceID = try #require(try await fixture.client.query("SELECT id FROM switchyard.clients WHERE name = 'alice'")
            .first?.int("id"))
        try await AnalyticsFixture(url: fixture.url, client: fixture.client).loadKnownLedger(clientID: aliceID)
        let admin = try await ClientKeyStore(client: fixture.client).create(name: "ops", admin: true)
        return (fixture, APITestClient(port: fixture.port, key: admin.key))
    }

    static func rows(_ answer: APIResponse, by key: String) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for row in answer.json["data"]?.arrayValue ?? [] { out[row[key]?.stringValue ?? "null"] = row }
        return out
    }

    @Test func anAdminReadsAViewWithExactNumbers() async throws {
        let (fixture, admin) = try await Self.make()
        defer { Task { await fixture.shutdown() } }
        let answer = await admin.get("/v1/analytics/stats")
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json["object"]?.stringValue == "list" && answer.json["view"]?.stringValue == "stats")
        #expect(answer.json["has_more"]?.boolValue == false)
        let byModel = Self.rows(answer, by: "model")
        #expect(byModel.count == 3)
        let big = try #require(byModel["gpt-4o"])
        #expect(big["provider"]?.stringValue == "openai")
        #expect(big["requests"]?.intValue == 8)
        #expect(big["succeeded"]?.intValue == 7 && big["failed"]?.intValue == 1)
        #expect(big["avg_latency_ms"]?.doubleValue == 300)
        #expect(big["p95_latency_ms"]?.doubleValue == 480)
        #expect(big["prompt_tokens"]?.intValue == 50 && big["completion_tokens"]?.intValue == 100)
        #expect(big["cost_usd"]?.doubleValue == 0.05)
        #expect(big["cache_hits"]?.intValue == 2)
        #expect(byModel["gpt-4o-mini"]?["cost_usd"]?.doubleValue == 0.003)

        let savings = await admin.get("/v1/analytics/cost_savings_total")
        let total = try #require(savings.json["data"]?.arrayValue?.first)
        #expect(total["requests"]?.intValue == 13)
        #expect(total["cost_usd"]?.doubleValue == 0.058)
        #expect(total["baseline_cost_usd"]?.doubleValue == 0.11)

        // Ids are strings; times are RFC 3339.
        let failover = await admin.get("/v1/analytics/failover_events")
        let event = try #require(failover.json["data"]?.arrayValue?.first)
        #expect(event["job_id"]?.stringValue != nil && event["attempt_id"]?.stringValue != nil)
        #expect(event["from_deployment"]?.stringValue == "gpt-4o" && event["to_deployment"]?.stringValue == "claude")
        let started = try #require(event["started_at"]?.stringValue)
        let formatter = ISO8601DateFormatter()
        #expect(formatter.date(from: started) == formatter.date(from: AnalyticsFixture.at(second: 7)), "\(started)")
    }

    @Test func sinceAndLimit() async throws {
        let (fixture, admin) = try await Self.make()
        defer { Task { await fixture.shutdown() } }
        // From second 10 on, the ledger holds only gpt-4o-mini's four rows.
        let since = await admin.get("/v1/analytics/stats?since=2025-06-01T10:00:10Z")
        #expect(since.status == 200, "\(since.text)")
        let rows = since.json["data"]?.arrayValue ?? []
        #expect(rows.count == 1 && rows.first?["model"]?.stringValue == "gpt-4o-mini" && rows.first?["requests"]?.intValue == 4)
        // A duration counts back from now: the 2025 ledger is older than a day.
        #expect(await admin.get("/v1/analytics/latency_per_minute?since=24h").json["data"]?.arrayValue?.isEmpty == true)
        #expect(await admin.get("/v1/analytics/latency_per_minute").json["data"]?.arrayValue?.count == 3)
        #expect(await admin.get("/v1/analytics/failover_events?since=2025-06-01T10:00:08Z").json["data"]?.arrayValue?.isEmpty == true)

        let limited = await admin.get("/v1/analytics/token_usage?limit=2")
        #expect(limited.json["data"]?.arrayValue?.count == 2)
        #expect(limited.json["has_more"]?.boolValue == true)
        #expect(limited.json["data"]?.arrayValue?.first?["model"]?.stringValue == "claude-3-5-sonnet")  // ordered by provider, model

        for (query, param) in [("since=yesterday", "since"), ("limit=0", "limit"), ("limit=x", "limit")] {
            let bad = await admin.get("/v1/analytics/stats?\(query)")
            #expect(bad.status == 400, "\(query): \(bad.text)")
            #expect(bad.json["error"]?["param"]?.stringValue == param)
        }
        let noTime = await admin.get("/v1/analytics/token_usage?since=1h")
        #expect(noTime.status == 400)
        #expect(noTime.errorMessage.contains("throughput_per_minute"), "\(noTime.errorMessage)")
    }

    @Test func anUnknownViewIs404NamingTheKnownOnes() async throws {
        let (fixture, admin) = try await Self.make()
        defer { Task { await fixture.shutdown() } }
        for view in ["nope", "stats;DROP", "..%2Fjobs"] {
            let answer = await admin.get("/v1/analytics/\(view)")
            #expect(answer.status == 404, "\(view)")
            #expect(answer.errorMessage.contains("request_distribution, token_usage"), "\(answer.errorMessage)")
        }
    }

    @Test func aClientKeySeesOnlyItsOwnUsage() async throws {
        let (fixture, admin) = try await Self.make()
        defer { Task { await fixture.shutdown() } }
        let own = await fixture.alice.get("/v1/analytics/client_usage")
        #expect(own.status == 200, "\(own.text)")
        let rows = own.json["data"]?.arrayValue ?? []
        #expect(rows.count == 1)
        let alice = try #require(rows.first)
        #expect(alice["jobs"]?.intValue == 4 && alice["jobs_succeeded"]?.intValue == 3 && alice["jobs_failed"]?.intValue == 1)
        #expect(alice["prompt_tokens"]?.intValue == 30 && alice["completion_tokens"]?.intValue == 15)
        #expect(alice["cost_usd"]?.doubleValue == 0.003)
        // A client's own key cannot widen that, and bob has no usage yet.
        #expect(await fixture.alice.get("/v1/analytics/client_usage?client=999").json["data"]?.arrayValue?.count == 1)
        #expect(await fixture.bob.get("/v1/analytics/client_usage").json["data"]?.arrayValue?.isEmpty == true)

        for view in ["stats", "token_usage", "failover_events", "provider_health", "queue_depth"] {
            let refused = await fixture.alice.get("/v1/analytics/\(view)")
            #expect(refused.status == 403, "\(view)")
            #expect(refused.json["error"]?["type"]?.stringValue == "permission_error")
            #expect(refused.errorMessage.contains("client_usage"))
        }
        #expect(await fixture.anonymous.get("/v1/analytics/client_usage").status == 401)

        // An admin sees every client (NULL is the CLI's jobs) and may pick one.
        let all = await admin.get("/v1/analytics/client_usage")
        #expect(all.json["data"]?.arrayValue?.count == 2)
        #expect(all.json["data"]?.arrayValue?.first?["client_id"] == .null)
        #expect(all.json["data"]?.arrayValue?.first?["requests"]?.intValue == 9)
        let picked = await admin.get("/v1/analytics/client_usage?client=\(alice["client_id"]?.stringValue ?? "")")
        #expect(picked.json["data"]?.arrayValue?.count == 1)
        #expect(await admin.get("/v1/analytics/stats?client=1").status == 400)
    }
}
