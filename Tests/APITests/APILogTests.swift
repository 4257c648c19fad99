import API
import Foundation
import Gateway
import Providers
import Synchronization
import Testing
import TestSupport

/// Collects log lines in memory.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var logger: JSONLogger { JSONLogger(minimumLevel: .debug) { [self] line in append(line) } }
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var objects: [JSONValue] { all.compactMap { try? JSONValue.parse($0) } }

    /// The request line with `requestID`; lines are written when the response is ready, so wait a little.
    func request(_ requestID: String) async throws -> JSONValue? {
        for _ in 0..<100 {
            if let line = objects.first(where: { $0["request_id"]?.stringValue == requestID }) { return line }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}

/// One JSON log line per request, with request, client and job ids, and never a key or a prompt
/// unless prompts were asked for; request ids honoured or generated, and returned.
@Suite struct APILogTests {
    static let secretPrompt = "the launch code is 0000-PLEASE-DO-NOT-LOG"

    @Test func requestLinesCarryIdsAndNeverTheKeyOrThePrompt() async throws {
        let lines = LogLines()
        let fixture = try await APIFixture.make(logger: lines.logger)
        defer { Task { await fixture.shutdown() } }
        let submitted = await fixture.alice.post("/v1/jobs", chatBody(Self.secretPrompt), headers: [("X-Request-Id", "req-42.a:b")])
        #expect(submitted.status == 202)
        #expect(submitted.header("X-Request-Id") == "req-42.a:b")
        let jobID = try #require(submitted.json["id"]?.stringValue)
        let aliceID = try #require(try await fixture.client.query("SELECT id FROM switchyard.clients WHERE name = 'alice'")
            .first?.string("id"))

        let line = try #require(try await lines.request("req-42.a:b"), "\(lines.all)")
        #expect(line["msg"]?.stringValue == "request" && line["level"]?.stringValue == "info")
        #expect(line["method"]?.stringValue == "POST" && line["path"]?.stringValue == "/v1/jobs")
        #expect(line["route"]?.stringValue == "/v1/jobs")
        #expect(line["status"]?.intValue == 202)
        #expect(line["client_id"]?.stringValue == aliceID)
        #expect(line["job_id"]?.stringValue == jobID)
        #expect((line["duration_ms"]?.doubleValue ?? -1) >= 0)
        #expect(line["time"]?.stringValue.flatMap { ISO8601DateFormatter().date(from: String($0.prefix(19)) + "Z") } != nil)

        // A read of the job names it too; a request without an id gets a fresh one, returned.
        let read = await fixture.alice.get("/v1/jobs/\(jobID)?wait=0")
        let generated = try #require(read.header("X-Request-Id"))
        #expect(generated.count == 32 && generated.allSatisfy(\.isHexDigit))
        #expect(try await lines.request(generated)?["job_id"]?.stringValue == jobID)

        // Odd or oversized incoming ids are replaced, not logged.
        for odd in [String(repeating: "x", count: 129), "two words", "quote\"d"] {
            let answer = await fixture.alice.request("GET", "/v1/jobs?limit=1", headers: [("X-Request-Id", odd)])
            let replaced = try #require(answer.header("X-Request-Id"))
            #expect(replaced != odd && replaced.count == 32)
        }
        // Failures and requests no route takes are logged and counted too.
        let unauthorized = await fixture.anonymous.request("GET", "/v1/jobs", headers: [("X-Request-Id", "anon-1")])
        #expect(unauthorized.header("X-Request-Id") == "anon-1")
        #expect(try await lines.request("anon-1")?["status"]?.intValue == 401)
        let missing = await fixture.alice.request("GET", "/nothing/here", headers: [("X-Request-Id", "lost-1")])
        #expect(missing.status == 404 && missing.header("X-Request-Id") == "lost-1")
        #expect(try await lines.request("lost-1")?["route"]?.stringValue == "unmatched")

        for text in lines.all {
            #expect(!text.contains(Self.secretPrompt))
            #expect(!text.contains("launch code"))
            for key in [fixture.alice.key, fixture.bob.key].compactMap({ $0 }) {
                #expect(!text.contains(key))
                #expect(!text.contains(String(key.dropFirst(3).prefix(16))))
            }
            #expect(!text.contains("Bearer"))
        }
    }

    @Test func promptsAreLoggedOnlyWhenAskedFor() async throws {
        let lines = LogLines()
        var configuration = GatewayAPI.Configuration()
        configuration.logPrompts = true
        let fixture = try await APIFixture.make(configuration: configuration, logger: lines.logger)
        defer { Task { await fixture.shutdown() } }
        #expect(await fixture.alice.post("/v1/jobs", chatBody(Self.secretPrompt), headers: [("X-Request-Id", "p-1")]).status == 202)
        let line = try #require(try await lines.request("p-1"))
        #expect(line["prompt"]?.stringValue == "user: " + Self.secretPrompt)
        #expect(!lines.all.joined().contains(fixture.alice.key ?? "-"))
    }

    @Test func aQuotaRefusalIsLoggedWithItsClientAndNoJob() async throws {
        let lines = LogLines()
        let fixture = try await APIFixture.make(logger: lines.logger)
        defer { Task { await fixture.shutdown() } }
        let created = try await ClientKeyStore(client: fixture.client).create(name: "tiny", tpm: 10)
        let tiny = APITestClient(port: fixture.port, key: created.key)
        let refused = await tiny.post("/v1/jobs", chatBody(extra: #","max_tokens":100"#), headers: [("X-Request-Id", "q-1")])
        #expect(refused.status == 429)
        let line = try #require(try await lines.request("q-1"))
        #expect(line["status"]?.intValue == 429)
        #expect(line["client_id"]?.stringValue == String(created.id))
        #expect(line["job_id"] == nil)
    }

    @Test func lineFormatEscapesAndOrdersFields() throws {
        let captured = LogLines()
        let logger = JSONLogger(minimumLevel: .info) { line in captured.append(line) }
        logger.log(.debug, "dropped below the level")
        logger.log(.warning, "a \"quoted\"\nmessage", ["job_id": .string("7"), "absent": nil, "n": .int(3)])
        let lines = captured.all
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        #expect(line.hasPrefix(#"{"time":""#))
        #expect(line.contains(#""level":"warning","msg":"a \"quoted\"\nmessage","job_id":"7","n":3}"#), "\(line)")
        let object = try JSONValue.parse(line)
        #expect(object["msg"]?.stringValue == "a \"quoted\"\nmessage")
        #expect(object["absent"] == nil)
    }
}
