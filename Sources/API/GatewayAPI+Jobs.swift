import Dispatch
import HTTP
import Postgres
import Providers
import Queue

extension GatewayAPI {
    /// `POST /v1/jobs` → 202 `{id, status}`; a repeated `Idempotency-Key` returns the first job (200).
    func submitJob(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let submission = try JobSubmission(body: request.body, contentType: request.headers["Content-Type"])
        try await checkModel(submission.request.model)
        let key = try Self.idempotencyKey(request)
        let enqueued = try await admit(submission.newJob(clientID: caller.id, idempotencyKey: key, defaultPriority: 0),
                                       request: submission.request, caller: caller)
        let state = enqueued.created ? JobState.queued : (try await ownedJob(String(enqueued.id), caller).state)
        return Self.json(["id": .string(String(enqueued.id)), "object": "job", "status": .string(state.rawValue)],
                         status: enqueued.created ? 202 : 200)
    }

    /// `GET /v1/jobs/{id}[?wait=SECONDS]`: the job; with `wait`, answers once it is terminal or the time is up.
    func getJob(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let id = request.pathParameters["id"] ?? ""
        var job = try await ownedJob(id, caller)
        if let text = request.query["wait"] {
            guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
                throw APIError(400, "wait: expected a number of seconds, got '\(text)'", code: "invalid_value", param: "wait")
            }
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(min(seconds, configuration.maxWaitSeconds) * 1e9)
            while !job.state.isTerminal {
                let now = DispatchTime.now().uptimeNanoseconds
                if now >= deadline || waiters.isStopped || request.disconnect.isDisconnected { break }
                // A client that goes away stops the wait (the job keeps running: it was submitted
                // on its own and its result can be fetched later).
                await waiters.wait(for: job.id, timeoutMs: Int((deadline - now) / 1_000_000) + 1, disconnect: request.disconnect)
                if request.disconnect.isDisconnected { break }
                job = try await ownedJob(id, caller)
            }
        }
        return Self.json(JobView.json(job))
    }

    /// `DELETE /v1/jobs/{id}`: cancels a queued job at once, flags a running one; a finished job is unchanged.
    func cancelJob(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let job = try await ownedJob(request.pathParameters["id"] ?? "", caller)
        do {
            _ = try await queue.cancel(id: job.id)
        } catch {
            throw APIError.internalError(error)
        }
        return Self.json(JobView.json(try await ownedJob(String(job.id), caller)))
    }

    /// `GET /v1/jobs?status=&batch=&limit=&after=`: the caller's jobs, newest first; `after` is the
    /// last id of the previous page.
    func listJobs(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let status = request.query["status"]
        if let status, JobState(rawValue: status) == nil {
            throw APIError(400, "status: expected one of queued, running, succeeded, failed, cancelled, got '\(status)'",
                           code: "invalid_value", param: "status")
        }
        let limit = try Self.integerQuery(request, "limit", range: 1...1_000) ?? 100
        let after = try Self.integerQuery(request, "after", range: 1...Int.max)
        let batch = try Self.integerQuery(request, "batch", range: 1...Int.max)
        let ids: [Int64]
        do {
            let rows = try await client.query(
                """
                SELECT id FROM switchyard.jobs
                WHERE client_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR id < $3)
                  AND ($4::bigint IS NULL OR batch_id = $4)
                ORDER BY id DESC LIMIT $5
                """, [caller.id, status, after, batch, limit + 1])
            ids = rows.compactMap { $0.int64("id") }
        } catch {
            throw APIError.internalError(error)
        }
        var data: [JSONValue] = []
        for id in ids.prefix(limit) {
            if let job = try? await queue.job(id: id) { data.append(JobView.json(job)) }
        }
        return Self.json([
            "object": "list", "data": .array(data), "has_more": .bool(ids.count > limit),
            "last_id": ids.prefix(limit).last.map { .string(String($0)) } ?? .null,
        ])
    }

    /// The job `id` if it exists and belongs to `caller`; 404 otherwise (also for other clients' jobs).
    func ownedJob(_ id: String, _ caller: ClientKeyStore.Client) async throws(APIError) -> JobRecord {
        guard let number = Int64(id), number > 0 else { throw APIError.jobNotFound(id) }
        let job: JobRecord?
        do {
            job = try await queue.job(id: number)
        } catch {
            throw APIError.internalError(error)
        }
        guard let job, job.clientID == caller.id else { throw APIError.jobNotFound(id) }
        RequestContext.setJob(job.id)
        return job
    }

    /// - Parameter durable: see ``JobQueue/enqueue(_:durable:)``.
    func enqueue(_ job: NewJob, durable: Bool = true) async throws(APIError) -> EnqueuedJob {
        do {
            return try await enqueuer.enqueue(job, durable: durable)
        } catch {
            throw APIError.internalError(error)
        }
    }

    static func idempotencyKey(_ request: HTTPRequest) throws(APIError) -> String? {
        guard let key = request.headers["Idempotency-Key"] else { return nil }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw APIError(400, "Idempotency-Key must be 1 to 255 bytes", code: "invalid_value", param: "Idempotency-Key")
        }
        return key
    }

    static func integerQuery(_ request: HTTPRequest, _ name: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = request.query[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(400, "\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'",
                           code: "invalid_value", param: name)
        }
        return value
    }
}
