import API
import Foundation
import Providers
import Testing

/// `POST /v1/files`, `GET /v1/files/{id}` and `/content` over real sockets.
@Suite struct APIFilesTests {
    @Test func uploadShowAndDownloadAFile() async throws {
        let fixture = try await APIFixture.make()
        let content = batchLine("a", "one") + "\r\n\n" + batchLine("b", "two") + "\n"
        let uploaded = await fixture.alice.upload(content)
        #expect(uploaded.status == 200, "\(uploaded.text)")
        let id = try #require(uploaded.json["id"]?.stringValue)
        #expect(uploaded.json["object"] == "file")
        #expect(uploaded.json["purpose"] == "batch")
        #expect(uploaded.json["filename"] == "requests.jsonl")
        #expect(uploaded.json["bytes"]?.intValue == content.utf8.count)
        #expect(uploaded.json["status"] == "processed")
        #expect((uploaded.json["created_at"]?.intValue ?? 0) > 1_700_000_000)

        let shown = await fixture.alice.get("/v1/files/\(id)")
        #expect(shown.status == 200)
        #expect(shown.json == uploaded.json)
        let downloaded = await fixture.alice.get("/v1/files/\(id)/content")
        #expect(downloaded.status == 200)
        #expect(downloaded.text == content)

        // Another client, an unknown id and a malformed id all look the same: 404.
        for (client, path) in [(fixture.bob, "/v1/files/\(id)"), (fixture.bob, "/v1/files/\(id)/content"),
                               (fixture.alice, "/v1/files/999999"), (fixture.alice, "/v1/files/file-abc/content")] {
            let response = await client.get(path)
            #expect(response.status == 404, "\(path)")
            #expect(response.json["error"]?["code"] == "file_not_found")
        }
        #expect(await fixture.anonymous.get("/v1/files/\(id)").status == 401)
        await fixture.shutdown()
    }

    @Test func listFilesNewestFirstWithPaging() async throws {
        let fixture = try await APIFixture.make()
        var ids: [String] = []
        for index in 0..<3 { ids.append(await fixture.alice.upload(batchLine("a", "\(index)") + "\n").json["id"]?.stringValue ?? "") }
        let bobs = await fixture.bob.upload(batchLine("b", "b") + "\n").json["id"]?.stringValue
        let first = await fixture.alice.get("/v1/files?limit=2")
        #expect(first.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
        #expect(first.json["has_more"] == true)
        let rest = await fixture.alice.get("/v1/files?limit=2&after=\(ids[1])")
        #expect(rest.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0]])
        #expect(rest.json["has_more"] == false)
        #expect(await fixture.bob.get("/v1/files").json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [bobs])
        #expect(await fixture.alice.get("/v1/files?purpose=batch").json["data"]?.arrayValue?.count == 3)
        #expect(await fixture.alice.get("/v1/files?purpose=batch_output").json["data"]?.arrayValue?.isEmpty == true)
        #expect(await fixture.alice.get("/v1/files?purpose=fine-tune").status == 400)
        await fixture.shutdown()
    }

    @Test func aPathInTheFilenameIsDropped() async throws {
        let fixture = try await APIFixture.make()
        let uploaded = await fixture.alice.upload(Array((batchLine("a", "x") + "\n").utf8), filename: "../../etc/batch.jsonl")
        #expect(uploaded.json["filename"] == "batch.jsonl")
        await fixture.shutdown()
    }

    @Test(arguments: [
        ("not JSONL", "id,prompt\n1,hello\n", "batch", 400, "line 1 is not valid JSON"),
        ("a JSON array line", "[1, 2]\n", "batch", 400, "line 1 is an array, not an object"),
        ("a later bad line", "{\"custom_id\": \"a\"}\n{oops\n", "batch", 400, "line 2 is not valid JSON"),
        ("binary", "{\"a\": 1}\n\u{0}\u{1}\n", "batch", 400, "NUL bytes"),
        ("empty", "\n  \n", "batch", 400, "the file is empty"),
        ("wrong purpose", "{\"a\": 1}\n", "fine-tune", 400, "purpose: expected 'batch'"),
    ])
    func badUploadsAreRefusedAndStoreNothing(_ label: String, content: String, purpose: String, status: Int, message: String) async throws {
        let fixture = try await APIFixture.make()
        let response = await fixture.alice.upload(content, purpose: purpose)
        #expect(response.status == status, "\(label): \(response.text)")
        #expect(response.errorMessage.contains(message), "\(label): \(response.errorMessage)")
        #expect(response.json["error"]?["param"] != nil)
        #expect(try await fileCount(fixture) == 0)
        await fixture.shutdown()
    }

    @Test func malformedFormsAreRefused() async throws {
        let fixture = try await APIFixture.make()
        let noPurpose = await fixture.alice.upload("{\"a\": 1}\n", purpose: nil)
        #expect(noPurpose.status == 400)
        #expect(noPurpose.json["error"]?["param"] == "purpose")

        let json = await fixture.alice.post("/v1/files", #"{"purpose": "batch"}"#)
        #expect(json.status == 415)
        #expect(json.errorMessage.contains("multipart/form-data"))

        let noFile = await fixture.alice.request(
            "POST", "/v1/files", body: "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b--\r\n",
            contentType: "multipart/form-data; boundary=b")
        #expect(noFile.status == 400)
        #expect(noFile.json["error"]?["param"] == "file")

        let truncated = await fixture.alice.request(
            "POST", "/v1/files", body: "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch",
            contentType: "multipart/form-data; boundary=b")
        #expect(truncated.status == 400)
        #expect(truncated.json["error"]?["code"] == "invalid_multipart")
        #expect(try await fileCount(fixture) == 0)
        await fixture.shutdown()
    }

    @Test func oversizedUploadsAre413() async throws {
        var configuration = GatewayAPI.Configuration()
        configuration.batches.maxFileBytes = 4_096
        let fixture = try await APIFixture.make(configuration: configuration)
        let line = batchLine("x", String(repeating: "a", count: 100)) + "\n"
        let fits = await fixture.alice.upload(String(repeating: line, count: 4_096 / line.utf8.count))
        #expect(fits.status == 200, "\(fits.text)")
        // Over the file limit but inside the multipart allowance: the handler answers.
        let over = await fixture.alice.upload(String(repeating: line, count: 4_096 / line.utf8.count + 1))
        #expect(over.status == 413)
        #expect(over.json["error"]?["code"] == "file_too_large")
        // Far over: the server refuses the body before reading it.
        let huge = await fixture.alice.upload(String(repeating: line, count: 1_000))
        #expect(huge.status == 413)
        #expect(try await fileCount(fixture) == 1)
        await fixture.shutdown()
    }

    private func fileCount(_ fixture: APIFixture) async throws -> Int {
        try await fixture.client.query("SELECT count(*) FROM switchyard.files").first?.int("count") ?? -1
    }
}
