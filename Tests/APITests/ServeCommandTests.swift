#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Providers
import TestSupport
import Testing

/// The `switchyard serve` and `clients create` processes, end to end with `switchyard worker`.
@Suite struct ServeCommandTests {
    @Test func serveOnPortZeroWithAKeyFromClientsCreate() async throws {
        let url = try await TestDatabase.create()
        let created = try await ChildProcess.run(switchyardBinary, ["clients", "create", "ci", "--json", "--database-url", url])
        #expect(created.code == 0, "\(created.stderr)")
        let client = try JSONValue.parse(created.stdout)
        let key = try #require(client["key"]?.stringValue)
        #expect(key.hasPrefix("sy-") && key.utf8.count == 67)
        #expect(client["id"]?.stringValue != nil && client["name"]?.stringValue == "ci")
        // Only the digest is stored.
        let stored = try await TestDatabase.client(url, maxConnections: 1).query("SELECT key_sha256 FROM switchyard.clients")
        #expect(stored.first?.string("key_sha256")?.contains(key.dropFirst(3)) == false)

        let started = try await ServeProcess.start(databaseURL: url)
        let serve = started.process, bound = started.port
        let worker = try ChildProcess(switchyardBinary, ["worker", "--executor", "echo", "--database-url", url])
        let api = APITestClient(port: bound, key: key)
        let answer = await api.post("/v1/chat/completions", chatBody("over the wire"))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == "over the wire")
        let clientID = try #require(client["id"]?.stringValue)
        let revoked = try await ChildProcess.run(switchyardBinary, ["clients", "revoke", clientID, "--database-url", url])
        #expect(revoked.code == 0, "\(revoked.stderr)")
        #expect(await api.get("/v1/jobs").status == 401)
        let missing = try await ChildProcess.run(switchyardBinary, ["clients", "revoke", "999", "--database-url", url])
        #expect(missing.code == 1)
        serve.send(SIGTERM)
        worker.send(SIGTERM)
        #expect(await serve.wait(timeoutMs: 10_000) == .exited(0))
        #expect(await worker.wait(timeoutMs: 10_000) == .exited(0))
    }
}
