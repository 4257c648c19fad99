import Dispatch
import HTTP
import Postgres
import Providers
import Queue

extension GatewayAPI {
    /// `POST /v1/chat/completions`: enqueues the request at high priority, waits for a worker to
    /// finish it, and answers the job's result in the OpenAI shape with `x-switchyard-*` headers.
    ///
    /// With `"stream": true` the answer is `text/event-stream`, but the chunks are built from the
    /// completed result and sent after completion (the queue does not stream tokens yet), then
    /// `data: [DONE]`. A job that fails answers 502/503/504 (or 400/404 for a request the provider
    /// refused) with the reason; a job still unfinished after `chatTimeoutMs` is cancelled, 504.
    /// A client that goes away before the answer (closes the connection) has its job cancelled: a
    /// queued one at once, a running one at its worker's next checkpoint.
    func chatCompletions(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let submission = try JobSubmission(body: request.body, contentType: request.headers["Content-Type"])
        try await checkModel(submission.request.model)
        let key = try Self.idempotencyKey(request)
        // Not durable: the caller is waiting on this request and gets an error rather than an answer
        // if the database crashes before the job is flushed (JobQueue.enqueue(_:durable:)).
        let enqueued = try await admit(
            submission.newJob(clientID: caller.id, idempotencyKey: key, defaultPriority: configuration.chatPriority),
            request: submission.request, caller: caller, durable: false)
        let id = String(enqueued.id)
        let deadline = started + UInt64(configuration.chatTimeoutMs) * 1_000_000
        // A new job is known to be queued: no need to read it before waiting.
        var answer = enqueued.created ? nil : try await chatAnswer(enqueued.id, caller)
        while true {
            if let answer, answer.state.isTerminal { break }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline {
                _ = try? await queue.cancel(id: enqueued.id)
                var error = APIError(504, "no answer within \(configuration.chatTimeoutMs) ms; job \(id) was cancelled",
                                     type: "server_error", code: "timeout")
                error.headers = [("x-switchyard-job-id", id)]
                throw error
            }
            if waiters.isStopped {
                let state = answer?.state ?? .queued
                var error = APIError(503, "the server is shutting down; job \(id) is still \(state.rawValue) (GET /v1/jobs/\(id))",
                                     type: "server_error", code: "shutting_down")
                error.headers = [("x-switchyard-job-id", id), ("Retry-After", "1")]
                throw error
            }
            await waiters.wait(for: enqueued.id, timeoutMs: Int((deadline - now) / 1_000_000) + 1, disconnect: request.disconnect)
            if request.disconnect.isDisconnected {
                // Nobody will read the answer: do not spend a provider call on it. A job that already
                // finished is left as it is (cancel changes only queued and running jobs).
                _ = try? await queue.cancel(id: enqueued.id)
                var error = APIError(499, "the client closed the connection; job \(id) was cancelled",
                                     code: "client_closed_request")
                error.headers = [("x-switchyard-job-id", id)]
                throw error
            }
            answer = try await chatAnswer(enqueued.id, caller)
        }
        guard let answer else { throw APIError.jobNotFound(id) }
        guard answer.state == .succeeded, let resultText = answer.result else {
            var error = Self.failure(id: answer.id, state: answer.state, error: answer.error)
            error.headers = [("x-switchyard-job-id", id)]
            throw error
        }
        let stream = submission.request.stream == true
        // The stored result is a complete chat.completion object: sent as stored unless it has to
        // become events (or name the model for the headers).
        var parsed: [String: JSONValue]?
        if stream || answer.model == nil {
            guard case .object(let object)? = try? JSONValue.parse(resultText) else {
                var error = Self.failure(id: answer.id, state: .failed, error: nil)
                error.headers = [("x-switchyard-job-id", id)]
                throw error
            }
            parsed = object
        }
        var headers = Self.switchyardHeaders(answer, resultModel: parsed?["model"]?.stringValue)
        let gatewayMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        headers.append(("x-switchyard-gateway-latency-ms", String(Int(gatewayMs.rounded()))))
        var response: HTTPResponse
        if stream, let parsed {
            let includeUsage = submission.request.extra["stream_options"]?["include_usage"]?.boolValue ?? false
            response = HTTPResponse(status: 200, body: Array(ChatStreamEncoder.events(for: parsed, includeUsage: includeUsage).utf8))
            response.headers["Content-Type"] = "text/event-stream"
            response.headers["Cache-Control"] = "no-cache"
        } else {
            response = .json(raw: resultText)
        }
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }

    /// The job for `/v1/chat/completions` if it exists and belongs to `caller`; 404 otherwise.
    func chatAnswer(_ id: Int64, _ caller: ClientKeyStore.Client) async throws(APIError) -> ChatAnswer {
        let answer: ChatAnswer?
        do {
            answer = try await answers.read(id: id, clientID: caller.id)
        } catch {
            throw APIError.internalError(error)
        }
        guard let answer else { throw APIError.jobNotFound(String(id)) }
        return answer
    }

    /// Provider, model, attempts, cache status and upstream latency from the job's newest ledger row.
    static func switchyardHeaders(_ answer: ChatAnswer, resultModel: String?) -> [(String, String)] {
        [
            ("x-switchyard-job-id", String(answer.id)),
            ("x-switchyard-provider", answer.provider ?? "none"),
            ("x-switchyard-model", answer.model ?? resultModel ?? answer.route),
            ("x-switchyard-attempts", String(answer.calls)),
            ("x-switchyard-cache", answer.outcome == "cache_hit" ? "hit" : "miss"),
            ("x-switchyard-upstream-latency-ms", String(Int((answer.latencyMs ?? 0).rounded()))),
        ]
    }

    /// The status and message for a job that did not succeed.
    static func failure(of job: JobRecord) -> APIError {
        failure(id: job.id, state: job.state, error: job.error)
    }

    /// The status and message for job `id` that ended in `state` with the `error` JSON.
    static func failure(id: Int64, state: JobState, error errorJSON: String?) -> APIError {
        let error = errorJSON.flatMap { JobError(json: $0) }
        let code = error?.code ?? (state == .cancelled ? "cancelled" : "failed")
        var message = "job \(id) \(state.rawValue)"
        if let error { message += ": " + error.message + (error.detail.map { " (\($0))" } ?? "") }
        switch code {
        case "invalid_request", "bad_request", "context_length_exceeded", "content_filtered":
            return APIError(400, message, code: code)
        case "unknown_route", "not_found":
            return APIError(404, message, code: code, param: "model")
        case "timeout", "deadline_exceeded", "lease_expired":
            return APIError(504, message, type: "server_error", code: code)
        case "rate_limited", "overloaded", "no_deployment_available", "unroutable", "no_config", "cancelled", "probe_in_flight":
            return APIError(503, message, type: "server_error", code: code)
        default:
            return APIError(502, message, type: "server_error", code: code)
        }
    }

    /// `GET /v1/models`: the stored config's routes and deployments in the OpenAI list shape.
    func listModels(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let names = try await storedConfig()?.publicModelNames ?? []
        let data = names.map { name -> JSONValue in
            ["id": .string(name), "object": "model", "created": 0, "owned_by": "switchyard"]
        }
        return Self.json(["object": "list", "data": .array(data)])
    }
}
