#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Providers
import TestSupport
import Testing

/// `serve` and `worker` processes log JSON lines on stderr; `clients create --tpm/--tpd` and
/// `clients list` from the CLI.
@Suite struct ServeLogTests {
    static let prompt = "confidential prompt text 31337"

    @Test func serveAndWorkerWriteJSONLinesWithIdsAndNoSecrets() async throws {
        let url = try await TestDatabase.create()
        let created = try await ChildProcess.run(
            switchyardBinary, ["clients", "create", "ci", "--tpm", "100000", "--tpd", "2000000", "--json", "--database-url", url])
        #expect(created.code == 0, "\(created.stderr)")
        let client = try JSONValue.parse(created.stdout)
        #expect(client.objectValue?.keys.sorted() == ["id", "key", "name"])
        let key = try #require(client["key"]?.stringValue)
        let badQuota = try await ChildProcess.run(switchyardBinary, ["clients", "create", "x", "--tpm", "0", "--database-url", url])
        #expect(badQuota.code == 2 && badQuota.stderr.contains("--tpm"))

        let started = try await ServeProcess.start(databaseURL: url)
        let serve = started.process, bound = started.port
        let worker = try ChildProcess(switchyardBinary, ["worker", "--executor", "echo", "--database-url", url])
        let api = APITestClient(port: bound, key: key)
        let answer = await api.post("/v1/chat/completions", chatBody(Self.prompt), headers: [("X-Request-Id", "ci-request-1")])
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("X-Request-Id") == "ci-request-1")
        #expect(answer.header("x-ratelimit-limit-tokens") == "100000")
        let jobID = try #require(answer.header("x-switchyard-job-id"))

        let listed = try await ChildProcess.run(switchyardBinary, ["clients", "list", "--json", "--database-url", url])
        #expect(listed.code == 0, "\(listed.stderr)")
        let entry = try #require(try JSONValue.parse(listed.stdout).arrayValue?.first)
        #expect(entry["name"]?.stringValue == "ci" && entry["tpm"]?.intValue == 100_000 && entry["tpd"]?.intValue == 2_000_000)
        #expect(!listed.stdout.contains(key))
        let table = try await ChildProcess.run(switchyardBinary, ["clients", "list", "--database-url", url])
        #expect(table.stdout.hasPrefix("ID  NAME  ADMIN     TPM      TPD"), "\(table.stdout)")

        serve.send(SIGTERM)
        worker.send(SIGTERM)
        #expect(await serve.wait(timeoutMs: 10_000) == .exited(0))
        #expect(await worker.wait(timeoutMs: 10_000) == .exited(0))

        let serveLines = serve.standardError.split(separator: "\n").map(String.init)
        let parsed = serveLines.compactMap { try? JSONValue.parse($0) }
        #expect(parsed.count == serveLines.count, "not all JSON: \(serve.standardError)")
        let request = try #require(parsed.first { $0["request_id"]?.stringValue == "ci-request-1" }, "\(serve.standardError)")
        #expect(request["route"]?.stringValue == "/v1/chat/completions" && request["status"]?.intValue == 200)
        #expect(request["job_id"]?.stringValue == jobID)
        #expect(request["client_id"]?.stringValue == client["id"]?.stringValue)
        #expect(parsed.contains { $0["msg"]?.stringValue == "listening" && $0["port"]?.intValue == bound })
        #expect(parsed.contains { $0["msg"]?.stringValue == "shutting down" })

        let workerLines = worker.standardError.split(separator: "\n").map(String.init)
        let workerParsed = workerLines.compactMap { try? JSONValue.parse($0) }
        #expect(workerParsed.count == workerLines.count, "not all JSON: \(worker.standardError)")
        #expect(workerParsed.contains { $0["msg"]?.stringValue == "worker started" && $0["worker_id"]?.stringValue != nil })
        #expect(workerParsed.contains { $0["msg"]?.stringValue == "worker stopped" })
        for text in [serve.standardError, worker.standardError] {
            #expect(!text.contains(key) && !text.contains(Self.prompt))
        }
    }
}
