import Dispatch
import Gateway
import Postgres
import Providers
import Queue
import Synchronization

/// Moves batches on: validates `validating` batches into jobs, expires batches past their
/// completion window, and finalizes batches whose requests are all done (output and error files,
/// frozen counts, terminal status).
///
/// Any number of these run at once — `switchyard serve` and `switchyard worker` each run one —
/// and they share the work through row locks: every step takes its batch with
/// `FOR UPDATE SKIP LOCKED` and does all its writes in one transaction. A process that dies in
/// the middle of a step loses nothing: its transaction rolls back, the lock goes with its
/// connection, and the next pass of any service (woken by NOTIFY, or its poll) does the step
/// again. So every batch reaches a terminal status while at least one service runs.
public final class BatchService: Sendable {
    /// What one pass did, by batch id.
    public struct PassReport: Sendable, Equatable {
        public var started: [Int64] = []
        public var failed: [Int64] = []
        public var expired: [Int64] = []
        public var finalized: [Int64] = []

        public var isEmpty: Bool { started.isEmpty && failed.isEmpty && expired.isEmpty && finalized.isEmpty }
    }

    /// `jobs.error` of a request cancelled with its batch.
    public static let cancelledError = JobError(code: "batch_cancelled", message: "the batch was cancelled before this request finished")
    /// `jobs.error` of a request still unfinished when its batch expired.
    public static let expiredError = JobError(code: "batch_expired",
                                              message: "the batch's completion window ended before this request finished")

    let client: PostgresClient
    let settings: BatchSettings
    private let listenerConfiguration: PostgresConfiguration?
    private let log: @Sendable (String) -> Void
    private let wake = WakeSignal()
    private let state = Mutex<(stopped: Bool, listener: PostgresListener?)>((false, nil))

    /// - Parameters:
    ///   - listenerConfiguration: where to LISTEN for finished jobs and new or cancelled batches;
    ///     `nil` polls only.
    ///   - log: one line per problem (a pass that failed is tried again at the next one).
    public init(client: PostgresClient, listenerConfiguration: PostgresConfiguration?, settings: BatchSettings = BatchSettings(),
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.client = client
        self.listenerConfiguration = listenerConfiguration
        self.settings = settings
        self.log = log
    }

    /// Runs passes until `stop()`: one at once, then one per wake-up (at most one per
    /// `minPassIntervalMs`) and at least one per `pollMs`.
    public func run() async {
        let listener = listenerConfiguration.map {
            PostgresListener(configuration: $0, channels: [JobQueue.finishedChannel, BatchStore.channel])
        }
        let proceed = state.withLock { state -> Bool in
            state.listener = listener
            return !state.stopped
        }
        guard proceed else {
            listener?.stop()
            return
        }
        let listening = Task { [wake] in
            guard let listener else { return }
            for await _ in listener.events() { wake.signal() }
        }
        if let listener { await listener.waitUntilListening() }
        var lastPass: UInt64 = 0
        while !isStopped {
            let sinceLast = (DispatchTime.now().uptimeNanoseconds &- lastPass) / 1_000_000
            if lastPass != 0 && sinceLast < UInt64(settings.minPassIntervalMs) {
                try? await Task.sleep(for: .milliseconds(Int(UInt64(settings.minPassIntervalMs) - sinceLast)))
                if isStopped { break }
            }
            lastPass = DispatchTime.now().uptimeNanoseconds
            do {
                _ = try await runOnce()
            } catch {
                log("batch service: \(error) (trying again at the next pass)")
            }
            await wake.wait(timeoutMs: settings.pollMs)
        }
        listener?.stop()
        listening.cancel()
    }

    /// Stops `run()` after its current pass. Safe from any thread, any number of times.
    public func stop() {
        let listener = state.withLock { state -> PostgresListener? in
            state.stopped = true
            return state.listener
        }
        listener?.stop()
        wake.signal()
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    /// One pass over every batch that can move now.
    /// - Throws: a database error; steps already committed stay done.
    @discardableResult
    public func runOnce() async throws -> PassReport {
        var report = PassReport()
        // One index probe first: most wake-ups (every completion NOTIFYs) find no open batch.
        let rows = try await client.query(
            "SELECT DISTINCT status FROM switchyard.batches WHERE status IN \(BatchStatus.openSQL)")
        let open = Set(rows.compactMap { $0.string("status").flatMap(BatchStatus.init) })
        if open.isEmpty { return report }
        if open.contains(.validating) {
            do {
                // Lines naming a model the stored config does not route fail their batch.
                let config = try await GatewayConfigStore(client: client).latest()?.config
                while let result = try await validateNext(isKnownModel: { model in config.map { $0.route(named: model) != nil } ?? true }) {
                    if result.started { report.started.append(result.id) } else { report.failed.append(result.id) }
                }
            } catch {
                // Expiry and finalization do not depend on validation: do them anyway.
                log("batch service: validation failed: \(error) (trying again at the next pass)")
            }
        }
        report.expired = try await expireDue()
        _ = try await markDone()
        while let id = try await finalizeNext() { report.finalized.append(id) }
        return report
    }

    /// Takes one `validating` batch and either creates its jobs (`in_progress`) or fails it.
    /// - Returns: the batch and whether it started; `nil` when no batch is waiting.
    private func validateNext(isKnownModel: @escaping @Sendable (String) -> Bool) async throws -> (id: Int64, started: Bool)? {
        let settings = self.settings
        return try await client.transaction { connection -> (id: Int64, started: Bool)? in
            let rows = try connection.query(
                """
                SELECT b.id, b.client_id, b.endpoint, convert_from(f.content, 'UTF8') AS content
                FROM switchyard.batches b LEFT JOIN switchyard.files f ON f.id = b.input_file_id
                WHERE b.status = 'validating'
                ORDER BY b.id LIMIT 1
                FOR UPDATE OF b SKIP LOCKED
                """)
            guard let row = rows.first, let id = row.int64("id") else { return nil }
            let input = BatchInput(
                content: Array((row.string("content") ?? "").utf8), endpoint: row.string("endpoint") ?? "",
                batchID: id, clientID: row.int64("client_id"), settings: settings, isKnownModel: isKnownModel)
            if input.errorCount > 0 {
                _ = try connection.query(
                    "UPDATE switchyard.batches SET status = 'failed', failed_at = now(), errors = $2::jsonb WHERE id = $1",
                    [id, PostgresJSON(bytes: input.errorsJSON.serialized())])
                return (id, false)
            }
            let jobs = input.jobs
            if let clientID = row.int64("client_id") {
                // The whole batch is charged to the client's quota now, in the minute it is validated.
                let admission = try QuotaLedger.admit(jobs, tokens: input.tokens, clientID: clientID, on: connection)
                if let decision = admission.decision, !decision.admitted {
                    let errors: JSONValue = ["object": "list", "data": [Self.tokenLimitExceeded(decision, requests: jobs.count).json]]
                    _ = try connection.query(
                        "UPDATE switchyard.batches SET status = 'failed', failed_at = now(), errors = $2::jsonb WHERE id = $1",
                        [id, PostgresJSON(bytes: errors.serialized())])
                    return (id, false)
                }
            } else {
                _ = try JobQueue.enqueue(jobs, on: connection)
            }
            _ = try connection.query(
                """
                UPDATE switchyard.batches SET status = 'in_progress', in_progress_at = now(), request_total = $2
                WHERE id = $1
                """, [id, jobs.count])
            return (id, true)
        }
    }

    /// The batch error of a batch over its client's token quota, in the shape OpenAI uses for a
    /// batch over its enqueued-token limit (`token_limit_exceeded`, no line).
    static func tokenLimitExceeded(_ decision: TokenQuota.Decision, requests: Int) -> BatchInput.LineError {
        let per = decision.window == .minute ? "minute" : "day (UTC)"
        var message = "Token quota exceeded: the batch's \(requests) request\(requests == 1 ? "" : "s") need about \(decision.requested) tokens and this client may use \(decision.limit) per \(per); "
        if decision.neverFits {
            message += "that is more than the whole quota. Split the input into smaller batches, or raise the client's quota."
        } else {
            message += "\(decision.limit - decision.remaining) are counted in the current \(decision.window.rawValue). Create the batch again once the window ends (in \(decision.retryAfterSeconds) s) or submit a smaller one."
        }
        return BatchInput.LineError(code: "token_limit_exceeded", message: message)
    }

    /// Expires open batches past `expires_at`: their unfinished requests are cancelled and the
    /// batch goes to `finalizing`, to end `expired`.
    private func expireDue() async throws -> [Int64] {
        try await client.transaction { connection -> [Int64] in
            let rows = try connection.query(
                """
                SELECT id FROM switchyard.batches
                WHERE status IN ('validating', 'in_progress') AND expires_at < now()
                ORDER BY id LIMIT 100
                FOR UPDATE SKIP LOCKED
                """)
            let ids = rows.compactMap { $0.int64("id") }
            for id in ids { _ = try JobQueue.cancelJobs(inBatch: id, error: Self.expiredError, on: connection) }
            if !ids.isEmpty {
                _ = try connection.query(
                    """
                    UPDATE switchyard.batches SET status = 'finalizing', finalizing_at = now(), expired_at = now()
                    WHERE id = ANY($1::bigint[])
                    """, [ids])
            }
            return ids
        }
    }

    /// Moves `in_progress` batches without unfinished requests to `finalizing`.
    private func markDone() async throws -> [Int64] {
        let rows = try await client.query(
            """
            UPDATE switchyard.batches SET status = 'finalizing', finalizing_at = now()
            WHERE id = ANY (ARRAY (
                SELECT b.id FROM switchyard.batches b
                WHERE b.status = 'in_progress' AND NOT EXISTS (
                    SELECT 1 FROM switchyard.jobs j WHERE j.batch_id = b.id AND j.state IN ('queued', 'running'))
                FOR UPDATE SKIP LOCKED))
            RETURNING id
            """)
        return rows.compactMap { $0.int64("id") }
    }

    /// Finalizes one batch that is `finalizing`, or `cancelling` with nothing left running (or past
    /// the cancel grace period): writes its output and error files and its terminal status.
    /// - Returns: the batch, or `nil` when none is ready.
    private func finalizeNext() async throws -> Int64? {
        let graceMs = settings.cancelGraceMs
        let maxOutputBytes = settings.maxOutputFileBytes
        return try await client.transaction { connection -> Int64? in
            let rows = try connection.query(
                """
                SELECT b.id, b.kind, b.client_id, b.status, b.expired_at IS NOT NULL AS expired
                FROM switchyard.batches b
                WHERE b.status = 'finalizing'
                   OR (b.status = 'cancelling'
                       AND (b.cancelling_at < now() - $1 * interval '1 millisecond'
                            OR NOT EXISTS (SELECT 1 FROM switchyard.jobs j
                                           WHERE j.batch_id = b.id AND j.state IN ('queued', 'running'))))
                ORDER BY b.id LIMIT 1
                FOR UPDATE SKIP LOCKED
                """, [graceMs])
            guard let row = rows.first, let id = row.int64("id") else { return nil }
            var final: BatchStatus = row.string("status") == BatchStatus.cancelling.rawValue
                ? .cancelled : (row.bool("expired") == true ? .expired : .completed)
            var files: (output: Int64?, error: Int64?) = (nil, nil)
            var errors: JSONValue?
            if row.string("kind") == "openai" {
                do {
                    files = try BatchOutput.write(batchID: id, clientID: row.int64("client_id"), final: final,
                                                  maxOutputBytes: maxOutputBytes, on: connection)
                } catch let tooLarge as BatchOutput.TooLarge {
                    // Terminal all the same: retrying would fail the same way forever.
                    final = .failed
                    errors = ["object": "list", "data": [BatchInput.LineError(
                        code: "output_too_large",
                        message: "the output file would be about \(tooLarge.bytes) bytes, over the limit of \(maxOutputBytes); read the answers with GET /v1/jobs?batch=\(id)").json]]
                }
            }
            _ = try connection.query(
                """
                UPDATE switchyard.batches b
                SET status = $2, output_file_id = $3, error_file_id = $4,
                    request_completed = c.completed, request_failed = greatest(b.request_total - c.completed, 0),
                    completed_at = CASE WHEN $2 = 'completed' THEN now() END,
                    cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() END,
                    failed_at = CASE WHEN $2 = 'failed' THEN now() END,
                    errors = coalesce($5::jsonb, b.errors)
                FROM (SELECT count(*) AS completed FROM switchyard.jobs WHERE batch_id = $1 AND state = 'succeeded') c
                WHERE b.id = $1
                """, [id, final.rawValue, files.output, files.error, errors.map { PostgresJSON(bytes: $0.serialized()) }])
            return id
        }
    }
}
