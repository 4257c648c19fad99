import HTTP
import Providers

extension GatewayAPI {
    /// `POST /v1/files`: a `multipart/form-data` upload with a `purpose` field (`batch`) and a
    /// `file` part holding JSONL, as the OpenAI SDKs send it → the file object.
    func uploadFile(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: request.body, contentType: request.headers["Content-Type"])
        } catch {
            let contentType = request.headers["Content-Type"] ?? ""
            if MultipartFormData.boundary(contentType: contentType) == nil {
                throw APIError(415, error.message, code: "unsupported_media_type")
            }
            throw APIError(400, "the multipart body cannot be read: \(error.message)", code: "invalid_multipart")
        }
        guard let purpose = form.part(named: "purpose")?.text else {
            throw APIError(400, "purpose: required (a form field; 'batch' for a Batch API input file)",
                           code: "missing_required_parameter", param: "purpose")
        }
        guard purpose == "batch" else {
            throw APIError(400, "purpose: expected 'batch' (the only purpose this server accepts), got '\(purpose)'",
                           code: "invalid_value", param: "purpose")
        }
        guard let part = form.part(named: "file"), part.filename != nil else {
            throw APIError(400, "file: required (a form part with a filename holding the JSONL)",
                           code: "missing_required_parameter", param: "file")
        }
        let limit = configuration.batches.maxFileBytes
        guard part.body.count <= limit else {
            throw APIError(413, "file: \(part.body.count) bytes, over the limit of \(limit)", code: "file_too_large", param: "file")
        }
        let text = try BatchInput.checkedJSONL(part.body)
        let file: FileRecord
        do {
            file = try await batchStore.createFile(clientID: caller.id, purpose: "batch",
                                                   filename: Self.uploadName(part.filename), text: text)
        } catch {
            throw APIError.internalError(error)
        }
        return Self.json(BatchView.json(file))
    }

    /// `GET /v1/files?purpose=&limit=&after=`: the caller's files, newest first (`limit` 1 to 10000, default 100).
    func listFiles(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let limit = try Self.integerQuery(request, "limit", range: 1...10_000) ?? 100
        let after = try Self.integerQuery(request, "after", range: 1...Int.max)
        // Error files show purpose batch_output (as OpenAI's do), so that filter finds both.
        let purpose = request.query["purpose"]
        if let purpose, !["batch", "batch_output"].contains(purpose) {
            throw APIError(400, "purpose: expected 'batch' or 'batch_output', got '\(purpose)'", code: "invalid_value", param: "purpose")
        }
        let purposes = purpose.map { $0 == "batch_output" ? ["batch_output", "batch_error"] : [$0] }
        do {
            let page = try await batchStore.files(clientID: caller.id, purposes: purposes, limit: limit, after: after.map(Int64.init))
            return Self.json(BatchView.list(page.files.map(BatchView.json), hasMore: page.hasMore))
        } catch {
            throw APIError.internalError(error)
        }
    }

    /// `GET /v1/files/{id}`: the file object.
    func getFile(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        Self.json(BatchView.json(try await ownedFile(request.pathParameters["id"] ?? "", caller)))
    }

    /// `GET /v1/files/{id}/content`: the bytes as uploaded or written.
    func getFileContent(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        let content = try await Self.owned(id, notFound: .fileNotFound(id)) { try await batchStore.fileContent(id: $0, clientID: caller.id) }
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: Array(content.utf8))
    }

    /// The file `id` if it exists and belongs to `caller`; 404 otherwise (also for other clients' files).
    func ownedFile(_ id: String, _ caller: ClientKeyStore.Client, param: String = "id") async throws(APIError) -> FileRecord {
        try await Self.owned(id, notFound: .fileNotFound(id, param: param)) { try await batchStore.file(id: $0, clientID: caller.id) }
    }

    /// The last path component of an uploaded file's name, at most 255 bytes (`upload.jsonl` when empty).
    static func uploadName(_ filename: String?) -> String {
        let last = (filename ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = last.filter { !$0.isASCII || $0.asciiValue! >= 32 }
        while name.utf8.count > 255 { name.removeLast() }
        return name.isEmpty ? "upload.jsonl" : name
    }
}
