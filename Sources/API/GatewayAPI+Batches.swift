import HTTP
import Providers

extension GatewayAPI {
    var batchStore: BatchStore { BatchStore(client: client) }

    /// The OpenAI Files and Batch API routes (see docs/API.md, "Batch API").
    func addBatchRoutes(to router: HTTPRouter) {
        // The multipart envelope around the file adds a few hundred bytes; the file itself is
        // checked against maxFileBytes in the handler.
        let uploadLimit = configuration.batches.maxFileBytes + 64 * 1024
        router.add("POST", "/v1/files", bodyLimit: uploadLimit) { [self] in await authenticated($0, uploadFile) }
        router.add("GET", "/v1/files") { [self] in await authenticated($0, listFiles) }
        router.add("GET", "/v1/files/{id}") { [self] in await authenticated($0, getFile) }
        router.add("GET", "/v1/files/{id}/content") { [self] in await authenticated($0, getFileContent) }
        router.add("POST", "/v1/batches", bodyLimit: 64 * 1024) { [self] in await authenticated($0, createBatch) }
        router.add("GET", "/v1/batches") { [self] in await authenticated($0, listBatches) }
        router.add("GET", "/v1/batches/{id}") { [self] in await authenticated($0, getBatch) }
        router.add("POST", "/v1/batches/{id}/cancel", bodyLimit: 64 * 1024) { [self] in await authenticated($0, cancelBatch) }
    }

    /// `POST /v1/batches`: `{"input_file_id", "endpoint", "completion_window", "metadata"}` → the
    /// batch in `validating`; a batch service validates the file's lines and creates the jobs.
    func createBatch(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let body = try Self.jsonObject(request)
        guard let fileText = body["input_file_id"]?.stringValue else {
            throw APIError(400, "input_file_id: required, the id (a string) of a file uploaded with purpose 'batch'",
                           code: body["input_file_id"] == nil ? "missing_required_parameter" : "invalid_value",
                           param: "input_file_id")
        }
        let file = try await ownedFile(fileText, caller, param: "input_file_id")
        guard file.purpose == "batch" else {
            throw APIError(400, "input_file_id: file \(file.id) has purpose '\(file.purpose)'; a batch reads a file uploaded with purpose 'batch'",
                           code: "invalid_value", param: "input_file_id")
        }
        let endpoint = body["endpoint"]?.stringValue
        guard endpoint == "/v1/chat/completions" else {
            throw APIError(400, "endpoint: only '/v1/chat/completions' is supported, got \(body["endpoint"]?.description ?? "nothing")",
                           code: body["endpoint"] == nil ? "missing_required_parameter" : "invalid_value", param: "endpoint")
        }
        let windows = configuration.batches.completionWindows
        guard let window = body["completion_window"]?.stringValue, let seconds = windows[window] else {
            throw APIError(400, "completion_window: expected \(windows.keys.sorted().map { "'\($0)'" }.joined(separator: " or ")), got \(body["completion_window"]?.description ?? "nothing")",
                           code: body["completion_window"] == nil ? "missing_required_parameter" : "invalid_value",
                           param: "completion_window")
        }
        let metadata = try Self.batchMetadata(body["metadata"])
        let batch: BatchRecord
        do {
            batch = try await batchStore.createBatch(
                clientID: caller.id, inputFileID: file.id, endpoint: "/v1/chat/completions", completionWindow: window,
                windowSeconds: seconds, metadata: String(decoding: metadata.serialized(), as: UTF8.self))
        } catch {
            throw APIError.internalError(error)
        }
        return Self.json(BatchView.json(batch))
    }

    /// `GET /v1/batches/{id}`.
    func getBatch(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        Self.json(BatchView.json(try await ownedBatch(request.pathParameters["id"] ?? "", caller)))
    }

    /// `GET /v1/batches?limit=&after=`: the caller's batches, newest first (`limit` 1 to 100, default 20).
    func listBatches(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let limit = try Self.integerQuery(request, "limit", range: 1...100) ?? 20
        let after = try Self.integerQuery(request, "after", range: 1...Int.max)
        do {
            let page = try await batchStore.batches(clientID: caller.id, limit: limit, after: after.map(Int64.init))
            return Self.json(BatchView.list(page.batches.map(BatchView.json), hasMore: page.hasMore))
        } catch {
            throw APIError.internalError(error)
        }
    }

    /// `POST /v1/batches/{id}/cancel`: a validating or running batch becomes `cancelling` (then
    /// `cancelled` once its running requests stop); cancelling again answers the batch as it is;
    /// a batch that is finalizing or already ended otherwise is 409.
    func cancelBatch(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        let result = try await Self.owned(id, notFound: .batchNotFound(id)) { try await batchStore.cancel(id: $0, clientID: caller.id) }
        if !result.started && ![.cancelling, .cancelled].contains(result.batch.status) {
            throw APIError(409, "batch \(id) is \(result.batch.status.rawValue); only a validating or in_progress batch can be cancelled",
                           code: "batch_not_cancellable", param: "id")
        }
        return Self.json(BatchView.json(result.batch))
    }

    func ownedBatch(_ id: String, _ caller: ClientKeyStore.Client) async throws(APIError) -> BatchRecord {
        try await Self.owned(id, notFound: .batchNotFound(id)) { try await batchStore.batch(id: $0, clientID: caller.id) }
    }

    /// What `lookup` finds for the positive integer id `id`; `notFound` when it finds nothing or
    /// `id` is not one (unknown ids and other clients' rows answer alike).
    static func owned<T: Sendable>(_ id: String, notFound: APIError, _ lookup: (Int64) async throws -> T?) async throws(APIError) -> T {
        guard let number = Int64(id), number > 0 else { throw notFound }
        let found: T?
        do {
            found = try await lookup(number)
        } catch {
            throw APIError.internalError(error)
        }
        guard let found else { throw notFound }
        return found
    }

    /// A JSON object body (415 unless declared JSON, 400 unless an object).
    static func jsonObject(_ request: HTTPRequest) throws(APIError) -> [String: JSONValue] {
        let mediaType = request.headers["Content-Type"]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            throw APIError(415, "Content-Type must be application/json, got '\(request.headers["Content-Type"] ?? "none")'",
                           code: "unsupported_media_type")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(request.body)
        } catch {
            throw APIError(400, "the body is not valid JSON: \(error.description)", code: "invalid_json")
        }
        guard case .object(let members) = document else {
            throw APIError(400, "the body must be a JSON object", code: "invalid_json")
        }
        return members
    }

    /// OpenAI metadata: at most 16 string members, keys up to 64 and values up to 512 bytes.
    static func batchMetadata(_ value: JSONValue?) throws(APIError) -> JSONValue {
        switch value {
        case nil, .null?:
            return [:]
        case .object(let members)? where members.count <= 16
            && members.allSatisfy({ $0.key.utf8.count <= 64 && ($0.value.stringValue?.utf8.count ?? 513) <= 512 }):
            return .object(members)
        default:
            throw APIError(400, "metadata: expected an object of at most 16 string values (keys up to 64 bytes, values up to 512)",
                           code: "invalid_value", param: "metadata")
        }
    }
}

extension APIError {
    static func batchNotFound(_ id: String) -> APIError {
        APIError(404, "no batch '\(id)'", code: "batch_not_found", param: "id")
    }

    static func fileNotFound(_ id: String, param: String = "id") -> APIError {
        APIError(404, "no file '\(id)'", code: "file_not_found", param: param)
    }
}
