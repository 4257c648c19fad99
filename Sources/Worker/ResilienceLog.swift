import Foundation
import Gateway
import Providers
import Synchronization

/// The worker's log lines for the rare paths of routing: a job failing over from one deployment to
/// the next, a deployment starting to cool down after a 429, and a circuit breaker opening,
/// half-opening (one probe call) and closing. A job answered by its first call logs nothing.
///
/// Lines carry ids, route and deployment names, outcomes, HTTP statuses and times — never prompt
/// text, provider error messages (they may quote the prompt) or keys.
public final class ResilienceLog: Sendable {
    let logger: JSONLogger
    let workerID: String
    /// Per deployment, the end of the last cooldown logged, so a 429 storm logs one line per cooldown.
    private let loggedCooldowns = Mutex<[String: Date]>([:])

    /// - Parameter workerID: the `worker_id` field of every line.
    public init(logger: JSONLogger, workerID: String) {
        self.logger = logger
        self.workerID = workerID
    }

    /// Logs nothing (tests, benchmarks).
    public static let disabled = ResilienceLog(logger: .disabled, workerID: "")

    /// Job `jobID` on `route` is about to call `deployment` after the call `previous` failed.
    func failover(jobID: Int64, route: String, from previous: RoutingDecision.Attempt, to deployment: String) {
        guard logger.isEnabled(.warning) else { return }
        logger.log(.warning, "failover", fields: [
            ("worker_id", .string(workerID)), ("job_id", .string(String(jobID))), ("route", .string(route)),
            ("from_deployment", .string(previous.deployment)), ("to_deployment", .string(deployment)),
            ("outcome", .string(previous.outcome)), ("status", previous.status.map(JSONValue.int)),
        ])
    }

    /// `deployment` answered 429 and is cooling down until `until`; logged once per cooldown.
    func rateLimited(_ deployment: String, cooldownUntil until: Date?, now: Date = Date()) {
        guard let until, until > now, logger.isEnabled(.warning) else { return }
        let isNew = loggedCooldowns.withLock { logged -> Bool in
            if let end = logged[deployment], end > now { return false }
            logged[deployment] = until
            return true
        }
        guard isNew else { return }
        logger.log(.warning, "deployment cooling down after 429", fields: [
            ("worker_id", .string(workerID)), ("deployment", .string(deployment)),
            ("cooldown_until", .string(TraceTimestamp.string(until))),
            ("cooldown_ms", .int(Int((until.timeIntervalSince(now) * 1_000).rounded(.up)))),
        ])
    }

    /// This worker's outcomes tripped the shared breaker of `deployment`.
    func breakerOpened(_ deployment: String, consecutiveFailures: Int?, openUntil: Date?) {
        logger.log(.warning, "circuit breaker opened", fields: [
            ("worker_id", .string(workerID)), ("deployment", .string(deployment)),
            ("consecutive_failures", consecutiveFailures.map(JSONValue.int)),
            ("open_until", openUntil.map { .string(TraceTimestamp.string($0)) }),
        ])
    }

    /// This worker took the single probe of `deployment`'s breaker: one call decides.
    func breakerHalfOpen(_ deployment: String) {
        logger.log(.info, "circuit breaker half-open: one probe call", fields: [
            ("worker_id", .string(workerID)), ("deployment", .string(deployment)),
        ])
    }

    /// The probe of `deployment` settled: `success` closes the breaker, else it opens again.
    func breakerSettled(_ deployment: String, success: Bool, openUntil: Date?) {
        if success {
            logger.log(.info, "circuit breaker closed", fields: [
                ("worker_id", .string(workerID)), ("deployment", .string(deployment)),
            ])
        } else {
            logger.log(.warning, "circuit breaker opened again: the probe failed", fields: [
                ("worker_id", .string(workerID)), ("deployment", .string(deployment)),
                ("open_until", openUntil.map { .string(TraceTimestamp.string($0)) }),
            ])
        }
    }
}
