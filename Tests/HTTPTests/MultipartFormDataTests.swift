import HTTP
import Testing

@Suite struct MultipartFormDataTests {
    /// The shape httpx (the OpenAI Python SDK's client) sends for `files.create(file=..., purpose="batch")`.
    @Test func readsAnSDKUpload() throws {
        let boundary = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"requests.jsonl\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n{\"a\":1}\r\n{\"b\":2}\n\r\n--\(boundary)--\r\n"
        let form = try MultipartFormData(body: Array(body.utf8), contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(form.parts.count == 2)
        #expect(form.part(named: "purpose")?.text == "batch")
        #expect(form.part(named: "purpose")?.filename == nil)
        let file = try #require(form.part(named: "file"))
        #expect(file.filename == "requests.jsonl")
        #expect(file.contentType == "application/octet-stream")
        #expect(file.text == "{\"a\":1}\r\n{\"b\":2}\n")
    }

    @Test func quotedBoundaryPreambleEmptyPartAndEncodedFilename() throws {
        let body = "preamble to ignore\r\n--xy z\r\ncontent-disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
            + "--xy z\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.jsonl\r\n\r\n"
            + "--not the boundary\r\n--xy zz\r\n--xy z--"
        let form = try MultipartFormData(body: Array(body.utf8), contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"xy z\"")
        #expect(form.part(named: "empty")?.body == [])
        #expect(form.part(named: "file")?.filename == "résumé.jsonl")
        #expect(form.part(named: "file")?.text == "--not the boundary\r\n--xy zz")
    }

    @Test func binaryContentIsKeptByteForByte() throws {
        let payload: [UInt8] = [0, 255, 13, 10, 45, 45, 13, 10, 13, 10, 1]
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n".utf8) + payload
            + Array("\r\n--b--\r\n".utf8)
        let form = try MultipartFormData(body: body, contentType: "multipart/form-data; boundary=b")
        #expect(form.part(named: "file")?.body == payload)
    }

    @Test(arguments: [
        ("application/json", "--b--", "Content-Type must be multipart/form-data"),
        ("multipart/form-data", "--b--", "Content-Type must be multipart/form-data"),
        ("multipart/form-data; boundary=b", "no delimiter here", "has no '--b' delimiter"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nvalue", "is not closed"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "no Content-Disposition"),
        ("multipart/form-data; boundary=b", "--b\r\n\r\nx\r\n--b--", "no Content-Disposition"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--b--", "must be form-data"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "no name parameter"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"f\"", "no end of headers"),
        ("multipart/form-data; boundary=b", "--b", "ends without the closing"),
    ])
    func refusesWhatItCannotRead(contentType: String, body: String, message: String) {
        #expect {
            _ = try MultipartFormData(body: Array(body.utf8), contentType: contentType)
        } throws: { error in
            (error as? MultipartFormData.ParseError)?.message.contains(message) == true
        }
    }

    @Test func limitsTheNumberOfParts() {
        let part = "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n"
        let body = String(repeating: part, count: 5) + "--b--"
        #expect(throws: MultipartFormData.ParseError.self) {
            _ = try MultipartFormData(body: Array(body.utf8), contentType: "multipart/form-data; boundary=b", maxParts: 4)
        }
        #expect((try? MultipartFormData(body: Array(body.utf8), contentType: "multipart/form-data; boundary=b", maxParts: 5))?.parts.count == 5)
    }

    @Test(arguments: [
        ("multipart/form-data; boundary=abc", "abc"),
        ("multipart/form-data;boundary=\"a;b\"", "a;b"),
        ("multipart/form-data; boundary=" + String(repeating: "x", count: 71), nil),
        ("multipart/form-data; boundary=", nil),
        ("text/plain; boundary=abc", nil),
    ] as [(String, String?)])
    func boundaryParameter(contentType: String, boundary: String?) {
        #expect(MultipartFormData.boundary(contentType: contentType) == boundary)
    }
}
