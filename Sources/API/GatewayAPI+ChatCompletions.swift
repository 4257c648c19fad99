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
        let enqueued = try await enqueue(
            submission.newJob(clientID: caller.id, idempotencyKey: key, defaultPriority: configuration.chatPriority))
        let id = String(enqueued.id)
        let deadline = started + UInt64(configuration.chatTimeoutMs) * 1_000_000
        // A new job is known to be queued: no need to read it before waiting.
        var job = enqueued.created ? nil : try await ownedJob(id, caller)
        while true {
            if let job, job.state.isTerminal { break }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline {
                _ = try? await queue.cancel(id: enqueued.id)
                var error = APIError(504, "no answer within \(configuration.chatTimeoutMs) ms; job \(id) was cancelled",
                                     type: "server_error", code: "timeout")
                error.headers = [("x-switchyard-job-id", id)]
                throw error
            }
            if waiters.isStopped {
                let state = job?.state ?? .queued
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
            job = try await ownedJob(id, caller)
        }
        guard let job else { throw APIError.jobNotFound(id) }
        guard job.state == .succeeded, let resultText = job.result, case .object(let result)? = try? JSONValue.parse(resultText) else {
            var error = Self.failure(of: job)
            error.headers = [("x-switchyard-job-id", id)]
            throw error
        }
        var headers = try await switchyardHeaders(job: job, result: result)
        let gatewayMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        headers.append(("x-switchyard-gateway-latency-ms", String(Int(gatewayMs.rounded()))))
        var response: HTTPResponse
        if submission.request.stream == true {
            let includeUsage = submission.request.extra["stream_options"]?["include_usage"]?.boolValue ?? false
            response = HTTPResponse(status: 200, body: Array(ChatStreamEncoder.events(for: result, includeUsage: includeUsage).utf8))
            response.headers["Content-Type"] = "text/event-stream"
            response.headers["Cache-Control"] = "no-cache"
        } else {
            response = Self.json(.object(result))
        }
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }

    /// Provider, model, attempts, cache status and upstream latency from the job's ledger rows.
    func switchyardHeaders(job: JobRecord, result: [String: JSONValue]) async throws(APIError) -> [(String, String)] {
        let rows: PostgresResult
        do {
            rows = try await client.query(
                """
                SELECT provider, model, outcome, latency_ms, count(*) OVER () AS calls
                FROM switchyard.attempts WHERE job_id = $1 ORDER BY id DESC LIMIT 1
                """, [job.id])
        } catch {
            throw APIError.internalError(error)
        }
        let last = rows.first
        let model = last?.string("model") ?? result["model"]?.stringValue ?? job.route
        let cache = last?.string("outcome") == "cache_hit" ? "hit" : "miss"
        return [
            ("x-switchyard-job-id", String(job.id)),
            ("x-switchyard-provider", last?.string("provider") ?? "none"),
            ("x-switchyard-model", model),
            ("x-switchyard-attempts", String(last?.int("calls") ?? 0)),
            ("x-switchyard-cache", cache),
            ("x-switchyard-upstream-latency-ms", String(Int((last?.double("latency_ms") ?? 0).rounded()))),
        ]
    }

    /// The status and message for a job that did not succeed.
    static func failure(of job: JobRecord) -> APIError {
        let error = job.error.flatMap { JobError(json: $0) }
        let code = error?.code ?? (job.state == .cancelled ? "cancelled" : "failed")
        var message = "job \(job.id) \(job.state.rawValue)"
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
