import Foundation
import Providers

extension APITestClient {
    /// `POST /v1/files` as a multipart form with `purpose` and a `file` part, the way the SDKs send it.
    func upload(_ content: [UInt8], purpose: String? = "batch", filename: String = "requests.jsonl") async -> APIResponse {
        let boundary = "sy-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        if let purpose {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n".utf8)
        body += Array("Content-Type: application/octet-stream\r\n\r\n".utf8) + content
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return await request("POST", "/v1/files", rawBody: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func upload(_ text: String, purpose: String? = "batch") async -> APIResponse {
        await upload(Array(text.utf8), purpose: purpose)
    }

    /// Uploads `lines` as a JSONL file and creates a batch over it; returns the batch object.
    func createBatch(lines: [String], metadata: String = "null") async -> APIResponse {
        let file = await upload(lines.joined(separator: "\n") + "\n")
        guard file.status == 200, let id = file.json["id"]?.stringValue else { return file }
        return await post("/v1/batches", #"{"input_file_id":"\#(id)","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":\#(metadata)}"#)
    }
}

/// A Batch API input line for the echo executor.
func batchLine(_ customID: String, _ content: String, model: String = "echo-model") -> String {
    #"{"custom_id":"\#(customID)","method":"POST","url":"/v1/chat/completions","body":\#(chatBody(content, model: model))}"#
}

extension APIResponse {
    /// The body as JSON lines.
    var jsonLines: [JSONValue] {
        text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }
}
