import Gateway
import Providers
import Queue

/// A Batch API input file read line by line: each non-blank line must be
/// `{"custom_id": "...", "method": "POST", "url": "<the batch's endpoint>", "body": {chat request}}`
/// with a `custom_id` unique in the file and a body that `POST /v1/jobs` would accept. Either every
/// line becomes a job, or the batch fails with the line errors (as OpenAI's validation does).
struct BatchInput {
    /// One problem, in the shape of OpenAI's batch `errors.data` entries.
    struct LineError: Error, Sendable, Equatable {
        var code: String
        var message: String
        var param: String?
        var line: Int?

        var json: JSONValue {
            ["code": .string(code), "message": .string(message), "param": param.map(JSONValue.string) ?? .null,
             "line": line.map(JSONValue.int) ?? .null]
        }
    }

    var jobs: [NewJob] = []
    /// Each job's estimate for the client's token quota (`TokenEstimator.quotaTokens`), in order.
    var tokens: [Int] = []
    /// The first `maxLineErrors` problems.
    var errors: [LineError] = []
    /// How many problems there were in all.
    var errorCount = 0

    /// `{"object": "list", "data": [...]}`, the batch's `errors` member.
    var errorsJSON: JSONValue {
        var data = errors.map(\.json)
        if errorCount > errors.count {
            data.append(LineError(code: "too_many_errors", message: "\(errorCount - errors.count) more errors not listed").json)
        }
        return ["object": "list", "data": .array(data)]
    }

    /// Validates `content` and builds one job per line for batch `batchID` of `clientID`.
    /// - Parameter isKnownModel: whether a line's `model` names a route (false makes the line fail).
    init(content: [UInt8], endpoint: String, batchID: Int64, clientID: Int64?, settings: BatchSettings,
         isKnownModel: (String) -> Bool) {
        var seen: [String: Int] = [:]
        var number = 0
        for line in Self.lines(content) {
            number += 1
            if line.allSatisfy(Self.isBlank) { continue }
            switch Self.job(line, number: number, endpoint: endpoint, clientID: clientID, settings: settings,
                            isKnownModel: isKnownModel) {
            case .failure(let error):
                add(error, settings)
            case .success(let line):
                var job = line.job
                let customID = job.customID ?? ""
                if let first = seen[customID] {
                    add(LineError(code: "duplicate_custom_id",
                                  message: "custom_id '\(customID)' is already used on line \(first); each request needs its own",
                                  param: "custom_id", line: number), settings)
                    continue
                }
                seen[customID] = number
                job.batchID = batchID
                if errorCount == 0 {
                    jobs.append(job)
                    tokens.append(line.tokens)
                }
            }
        }
        if errorCount == 0 && seen.isEmpty {
            add(LineError(code: "empty_file", message: "the input file holds no requests"), settings)
        }
        if seen.count > settings.maxRequests {
            add(LineError(code: "too_many_requests",
                          message: "the input file holds \(seen.count) requests; a batch takes at most \(settings.maxRequests)"),
                settings)
        }
        if errorCount > 0 {
            jobs = []
            tokens = []
        }
    }

    private mutating func add(_ error: LineError, _ settings: BatchSettings) {
        errorCount += 1
        if errors.count < settings.maxLineErrors { errors.append(error) }
    }

    private static func job(_ line: ArraySlice<UInt8>, number: Int, endpoint: String, clientID: Int64?,
                            settings: BatchSettings, isKnownModel: (String) -> Bool) -> Result<(job: NewJob, tokens: Int), LineError> {
        func failure(_ code: String, _ message: String, _ param: String?) -> Result<(job: NewJob, tokens: Int), LineError> {
            .failure(LineError(code: code, message: message, param: param, line: number))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            return failure("invalid_json_line", "line \(number) is not valid JSON: \(error.description)", nil)
        }
        guard case .object(let members) = value else {
            return failure("invalid_json_line", "line \(number) is \(value.kindDescription), expected a request object", nil)
        }
        guard let customIDValue = members["custom_id"] else {
            return failure("missing_required_parameter", "custom_id: required (a string naming the request)", "custom_id")
        }
        guard let customID = customIDValue.stringValue, !customID.isEmpty, customID.utf8.count <= 512 else {
            return failure("invalid_value", "custom_id: expected a non-empty string of at most 512 bytes, got \(customIDValue.kindDescription)",
                           "custom_id")
        }
        guard members["method"]?.stringValue == "POST" else {
            return failure("invalid_value", "method: expected \"POST\", got \(members["method"]?.description ?? "nothing")", "method")
        }
        guard members["url"]?.stringValue == endpoint else {
            return failure("invalid_url", "url: expected \"\(endpoint)\" (the batch's endpoint), got \(members["url"]?.description ?? "nothing")",
                           "url")
        }
        guard let body = members["body"], case .object = body else {
            return failure(members["body"] == nil ? "missing_required_parameter" : "invalid_value",
                           "body: expected a chat completions request object, got \(members["body"]?.kindDescription ?? "nothing")",
                           "body")
        }
        if line.count > settings.maxRequestBytes {
            return failure("invalid_value", "body: the line is \(line.count) bytes, over the limit of \(settings.maxRequestBytes)", "body")
        }
        let submission: JobSubmission
        do {
            submission = try JobSubmission(document: body)
        } catch {
            let param = error.param.map { "body." + $0 } ?? "body"
            return failure(error.code ?? "invalid_value", "body." + error.message, param)
        }
        guard isKnownModel(submission.request.model) else {
            return failure("model_not_found", "body.model: the model '\(submission.request.model)' does not exist", "body.model")
        }
        var job = submission.newJob(clientID: 0, idempotencyKey: nil, defaultPriority: settings.jobPriority)
        job.clientID = clientID
        job.customID = customID
        let tokens = TokenEstimator.quotaTokens(for: submission.request, defaultCompletionTokens: settings.quotaDefaultCompletionTokens)
        return .success((job, tokens))
    }

    /// The text of an uploaded batch input file, after checking that it is JSONL: UTF-8 without
    /// NUL characters, every non-blank line a JSON object, at least one such line. Whether each
    /// line is a valid request is checked when a batch uses the file (the batch fails then).
    /// - Throws: `APIError` 400 naming the first bad line.
    static func checkedJSONL(_ bytes: [UInt8]) throws(APIError) -> String {
        func invalid(_ message: String) -> APIError {
            APIError(400, "file: \(message); a batch input file is JSONL, one JSON request object per line",
                     code: "invalid_file_format", param: "file")
        }
        if bytes.contains(0) { throw invalid("the file holds NUL bytes (is it binary?)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw invalid("the file is not UTF-8 text") }
        var requests = 0
        var number = 0
        for line in lines(bytes) {
            number += 1
            if line.allSatisfy(isBlank) { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(line)
            } catch {
                throw invalid("line \(number) is not valid JSON (\(error.description))")
            }
            guard case .object = value else { throw invalid("line \(number) is \(value.kindDescription), not an object") }
            requests += 1
        }
        if requests == 0 { throw invalid("the file is empty") }
        return text
    }

    /// The lines of `bytes` split at LF, each without a trailing CR.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 10, omittingEmptySubsequences: false).map { line in
            line.last == 13 ? line.dropLast() : line
        }
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 13
    }
}
