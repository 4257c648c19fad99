import API
import Foundation
import Gateway
import Postgres
import Providers
import Testing
import TestSupport

/// Admin routes: an admin key reads and replaces the config and lists clients; any other key is 403.
@Suite struct APIAdminTests {
    static let literalKey = "mock-secret-key-1234"

    /// A valid config whose provider is a loopback server with a literal key.
    static func config(route: String = "chat") -> String {
        """
        {"version": 1,
         "providers": [{"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "\(literalKey)"}],
         "deployments": [{"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "context_window": 128000,
                          "price": {"input_per_million": 0.15, "output_per_million": 0.60}}],
         "routes": [{"name": "\(route)", "strategy": "priority", "targets": [{"deployment": "gpt-4o-mini"}]}],
         "baseline_model": "gpt-4o-mini"}
        """
    }

    static func admin(_ fixture: APIFixture) async throws -> APITestClient {
        let created = try await ClientKeyStore(client: fixture.client).create(name: "ops", admin: true, tpm: 1_000)
        return APITestClient(port: fixture.port, key: created.key)
    }

    func configVersions(_ fixture: APIFixture) async throws -> Int {
        try await fixture.client.query("SELECT count(*) AS n FROM switchyard.config_versions").first?.int("n") ?? -1
    }

    @Test(arguments: [("GET", "/v1/admin/config"), ("PUT", "/v1/admin/config"), ("GET", "/v1/admin/clients")])
    func aClientKeyIsForbidden(method: String, path: String) async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let answer = await fixture.alice.request(method, path, body: method == "PUT" ? Self.config() : nil)
        #expect(answer.status == 403, "\(answer.text)")
        #expect(answer.json["error"]?["type"]?.stringValue == "permission_error")
        #expect(answer.json["error"]?["code"]?.stringValue == "admin_required")
        #expect(answer.errorMessage.contains("--admin"))
        #expect(await fixture.anonymous.request(method, path).status == 401)
        #expect(try await configVersions(fixture) == 0)
    }

    @Test func getConfigShowsTheStoredConfigWithKeysRedacted() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let admin = try await Self.admin(fixture)
        #expect(await admin.get("/v1/admin/config").status == 404)
        _ = try await GatewayConfigStore(client: fixture.client).apply(Array(Self.config().utf8))
        let answer = await admin.get("/v1/admin/config")
        #expect(answer.status == 200, "\(answer.text)")
        #expect(!answer.text.contains(Self.literalKey))
        #expect(answer.json["config"]?["providers"]?.arrayValue?.first?["api_key"]?.stringValue == ConfigRedaction.placeholder)
        #expect(answer.json["config"]?["routes"]?.arrayValue?.first?["name"]?.stringValue == "chat")
        #expect(answer.json["id"]?.stringValue == "1")
        #expect(answer.json["sha256"]?.stringValue?.count == 64)
    }

    @Test func putConfigValidatesAndStoresLikeConfigApply() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let admin = try await Self.admin(fixture)

        let invalid = Self.config().replacingOccurrences(of: #""strategy": "priority""#, with: #""strategy": "fastest""#)
            .replacingOccurrences(of: #""provider": "openai""#, with: #""provider": "nobody""#)
        let refused = await admin.request("PUT", "/v1/admin/config", body: invalid)
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.json["error"]?["code"]?.stringValue == "invalid_config")
        #expect(refused.errorMessage.contains("routes[0].strategy"), "\(refused.errorMessage)")
        #expect(refused.errorMessage.contains("deployments[0].provider"), "\(refused.errorMessage)")
        #expect(refused.errorMessage.contains("2 problems"))
        #expect(refused.json["error"]?["param"]?.stringValue != nil)
        #expect(await admin.request("PUT", "/v1/admin/config", body: "{not json").status == 400)
        #expect(await admin.request("PUT", "/v1/admin/config", body: Self.config(), contentType: "text/plain").status == 415)
        // Sending back what GET showed would store "***" as the key: refused, naming the member.
        let redacted = Self.config().replacingOccurrences(of: Self.literalKey, with: ConfigRedaction.placeholder)
        let placeholder = await admin.request("PUT", "/v1/admin/config", body: redacted)
        #expect(placeholder.status == 400)
        #expect(placeholder.json["error"]?["param"]?.stringValue == "providers[0].api_key")
        let dryRun = await admin.request("PUT", "/v1/admin/config?dry_run=true", body: Self.config())
        #expect(dryRun.status == 200 && dryRun.json["applied"]?.boolValue == false, "\(dryRun.text)")
        #expect(try await configVersions(fixture) == 0)

        let applied = await admin.request("PUT", "/v1/admin/config", body: Self.config(route: "summaries"))
        #expect(applied.status == 200, "\(applied.text)")
        #expect(applied.json["applied"]?.boolValue == true && applied.json["unchanged"]?.boolValue == false)
        #expect(try await configVersions(fixture) == 1)
        let stored = try #require(try await GatewayConfigStore(client: fixture.client).latest())
        #expect(stored.config.route(named: "summaries") != nil)
        #expect(applied.json["id"]?.stringValue == String(stored.id))
        // The API itself uses the new config at once: the model list names the new route.
        let models = await fixture.alice.get("/v1/models")
        #expect(models.json["data"]?.arrayValue?.contains { $0["id"]?.stringValue == "summaries" } == true, "\(models.text)")
        let again = await admin.request("PUT", "/v1/admin/config", body: Self.config(route: "summaries"))
        #expect(again.json["unchanged"]?.boolValue == true)
    }

    @Test func listClientsShowsQuotasAndUsageButNeverKeys() async throws {
        let fixture = try await APIFixture.make()
        defer { Task { await fixture.shutdown() } }
        let admin = try await Self.admin(fixture)
        #expect(await admin.post("/v1/jobs", chatBody(extra: #","max_tokens":5"#)).status == 202)
        let answer = await admin.get("/v1/admin/clients")
        #expect(answer.status == 200, "\(answer.text)")
        let clients = try #require(answer.json["data"]?.arrayValue)
        #expect(clients.map { $0["name"]?.stringValue } == ["alice", "bob", "ops"])
        let ops = try #require(clients.last)
        #expect(ops["admin"]?.boolValue == true)
        #expect(ops["tpm"]?.intValue == 1_000 && ops["tpd"] == .null)
        #expect((ops["tokens_today"]?.intValue ?? 0) > 5)
        #expect(ops["unsettled_jobs"]?.intValue == 1)
        #expect(clients.first?["tokens_today"]?.intValue == 0)
        for key in [fixture.alice.key, fixture.bob.key, admin.key].compactMap({ $0 }) {
            #expect(!answer.text.contains(key))
            #expect(!answer.text.contains(SHA256.hexDigest(key)))
        }
    }
}
