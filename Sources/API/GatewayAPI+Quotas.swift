import Gateway
import Providers
import Queue

extension GatewayAPI {
    /// Enqueues `job` for `caller`, through quota admission when the caller has a quota: the
    /// request's estimated tokens must fit its current minute and day (see ``QuotaLedger``). The
    /// answer carries `x-ratelimit-*-tokens` headers either way; over quota it is 429 with
    /// `Retry-After`, and nothing is enqueued.
    /// - Parameter durable: see ``JobQueue/enqueue(_:durable:)``; quota admission always commits durably.
    func admit(
        _ job: NewJob, request: ChatRequest, caller: ClientKeyStore.Client, durable: Bool = true
    ) async throws(APIError) -> EnqueuedJob {
        if observer.logPrompts { RequestContext.setPrompt(Self.promptText(request)) }
        guard !caller.quota.isUnlimited else {
            let enqueued = try await enqueue(job, durable: durable)
            RequestContext.setJob(enqueued.id)
            return enqueued
        }
        let tokens = TokenEstimator.quotaTokens(for: request, defaultCompletionTokens: configuration.quotaDefaultCompletionTokens)
        let admission: QuotaLedger.Admission
        do {
            admission = try await quotas.admit([job], tokens: [tokens], clientID: caller.id)
        } catch {
            throw APIError.internalError(error)
        }
        if let decision = admission.decision { RequestContext.addResponseHeaders(Self.rateLimitHeaders(decision)) }
        guard let enqueued = admission.jobs.first else {
            guard let decision = admission.decision else { throw APIError.internalError(QueueError(.unexpectedResult, "nothing enqueued")) }
            throw Self.quotaExceeded(decision)
        }
        RequestContext.setJob(enqueued.id)
        return enqueued
    }

    /// 429 in the OpenAI shape (`type` "tokens", `code` "rate_limit_exceeded") with `Retry-After`
    /// unless the request can never fit.
    static func quotaExceeded(_ decision: TokenQuota.Decision) -> APIError {
        let per = decision.window == .minute ? "minute" : "day (UTC)"
        var message = "Token quota exceeded: this client may use \(decision.limit) tokens per \(per); "
        if decision.neverFits {
            message += "this request needs about \(decision.requested), more than the whole quota. Reduce the prompt or max_tokens."
        } else {
            message += "\(decision.limit - decision.remaining) are counted in the current \(decision.window.rawValue) and this request needs about \(decision.requested). Retry in \(decision.retryAfterSeconds) s."
        }
        var error = APIError(429, message, type: "tokens", code: "rate_limit_exceeded")
        error.headers = rateLimitHeaders(decision)
        if !decision.neverFits { error.headers.append(("Retry-After", String(decision.retryAfterSeconds))) }
        return error
    }

    /// OpenAI's token rate-limit headers for the window the decision names, plus which window that is.
    static func rateLimitHeaders(_ decision: TokenQuota.Decision) -> [(String, String)] {
        [
            ("x-ratelimit-limit-tokens", String(decision.limit)),
            ("x-ratelimit-remaining-tokens", String(max(0, decision.remaining))),
            ("x-ratelimit-reset-tokens", Self.resetDuration(decision.resetSeconds)),
            ("x-switchyard-quota-window", decision.window.rawValue),
        ]
    }

    /// A Go-style duration as OpenAI sends it: `850ms`, `42s`, `5m3s`, `13h0m7s` (seconds rounded up).
    static func resetDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        if seconds < 1 { return "\(max(1, Int((seconds * 1_000).rounded(.up))))ms" }
        let whole = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (whole / 3_600, whole % 3_600 / 60, whole % 60)
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }

    /// The messages' text, one `role: text` line each, for `--log-prompts`.
    static func promptText(_ request: ChatRequest) -> String {
        (request.json["messages"]?.arrayValue ?? []).map { message in
            (message["role"]?.stringValue ?? "?") + ": " + TokenEstimator.text(ofContent: message["content"])
        }.joined(separator: "\n")
    }

    /// Serve's settler: every `quotaSettleMs`, finished jobs' reservations are settled from the
    /// ledger; every ten minutes windows older than two days are removed.
    func settleQuotasLoop() async {
        var lastPrune = MetricsCollector.nowMs()
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(configuration.quotaSettleMs))
            if Task.isCancelled { return }
            do {
                try await settleQuotas(waitForOthers: false)
                if MetricsCollector.nowMs() &- lastPrune >= 600_000 {
                    lastPrune = MetricsCollector.nowMs()
                    try await quotas.prune()
                }
            } catch {
                observer.logger.log(.warning, "quota settlement failed", ["error": .string(String(describing: error))])
            }
        }
    }

    /// Settles every finished job's reservation now (what the settler does each round).
    /// - Parameter waitForOthers: wait while another settler (this process's own, or another
    ///   serve's) is at it, so that every job finished before the call is settled when it returns;
    ///   false leaves the round to that settler.
    public func settleQuotas(waitForOthers: Bool = true) async throws {
        let batch = 10_000
        while try await quotas.settle(limit: batch, waitForOthers: waitForOthers) == batch {}
    }
}
