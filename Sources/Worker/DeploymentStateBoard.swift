import Foundation
import Gateway
import Postgres
import Synchronization

/// This worker's view of `switchyard.deployment_state`: breaker, cooldown, provider rate-limit
/// budget, this worker's lease of the configured RPM/TPM, and latency per deployment. Routing reads
/// the cached snapshot (never the database per call); outcomes are applied locally at once and
/// written through in batches by ``sync()``, which the executor's service loop runs about every
/// 100 ms and which also renews the RPM/TPM leases (``RateBudget``). The half-open probe is the
/// exception: it is taken and settled with conditional UPDATEs, so exactly one worker holds it.
public final class DeploymentStateBoard: Sendable {
    /// Outcomes not yet written, per deployment.
    struct Delta {
        var provider: String?
        var model: String?
        var sawSuccess = false
        /// Breaker-counting failures since the last success in this batch (or since the start).
        var trailingFailures = 0
        /// Breaker-counting failures in this batch, for the failure-ratio window.
        var breakerFailures = 0
        var calls = 0
        var failures = 0
        var latencySum = 0.0
        var latencyCount = 0
        var cooldownUntil: Date?
        var observation: RateLimitState.Observation?
        /// Provider-reported limits this worker adopted (after a 429), for the other workers.
        var learnedRPM: Int?
        var learnedTPM: Int?
    }

    struct State {
        var health: [String: DeploymentHealth] = [:]
        var deltas: [String: Delta] = [:]
        var policy = CircuitBreakerPolicy()
        var alpha = 0.2
        var defaultCooldownMs = 10_000
        var deployments: [String: DeploymentConfig] = [:]
    }

    let client: PostgresClient
    let state = Mutex(State())
    /// About how often ``sync()`` runs: a call that lacks only an RPM/TPM lease retries this soon.
    let syncIntervalMs: Int
    /// Where breaker changes this worker makes are logged.
    let log: ResilienceLog

    public init(client: PostgresClient, syncIntervalMs: Int = 100, log: ResilienceLog = .disabled) {
        self.client = client
        self.syncIntervalMs = syncIntervalMs
        self.log = log
    }

    /// Adopts a (new) config: its deployments, limits and breaker policy; known state is kept.
    public func configure(_ config: GatewayConfig) {
        state.withLock { state in
            state.policy = config.resilience.breaker
            state.alpha = config.resilience.latencyEWMAAlpha
            state.defaultCooldownMs = config.resilience.defaultCooldownMs
            var health: [String: DeploymentHealth] = [:]
            var deployments: [String: DeploymentConfig] = [:]
            for deployment in config.deployments {
                deployments[deployment.name] = deployment
                var entry = state.health[deployment.name] ?? DeploymentHealth(deployment: deployment, policy: config.resilience.breaker)
                entry.breaker.policy = config.resilience.breaker
                if entry.budget.configuredRPM != deployment.rpm || entry.budget.configuredTPM != deployment.tpm
                    || entry.budget.windowSeconds != deployment.rateWindowSeconds
                {
                    // New limits: the lease held is of the old ones; the next sync leases afresh
                    // (and reads the learned limits again).
                    entry.budget = RateBudget(rpm: deployment.rpm, tpm: deployment.tpm, windowSeconds: deployment.rateWindowSeconds)
                }
                entry.budget.leaseRetrySeconds = Double(syncIntervalMs) / 1_000
                health[deployment.name] = entry
            }
            state.health = health
            state.deployments = deployments
        }
    }

    /// The cached health of every deployment, for routing.
    public func snapshot() -> [String: DeploymentHealth] { state.withLock { $0.health } }

    /// Counts a call about to go out against this worker's RPM/TPM lease and the provider's last
    /// known remaining budget.
    /// - Returns: false, changing nothing but the demand count, when the lease has no room (another
    ///   job took the last of it since routing looked): the call must not be made.
    func reserveCall(_ deployment: String, tokens: Int, now: Date) -> Bool {
        state.withLock { state in
            guard var entry = state.health[deployment] else { return true }
            guard entry.budget.reserve(tokens: tokens, now: now) else {
                state.health[deployment] = entry
                return false
            }
            entry.rateLimit.noteCall(estimatedTokens: tokens, now: now)
            state.health[deployment] = entry
            return true
        }
    }

    /// Gives back a reservation whose call was not made (its breaker probe was taken by another worker).
    func refundCall(_ deployment: String, tokens: Int, reservedAt: Date) {
        state.withLock { state in
            state.health[deployment]?.budget.refund(tokens: tokens, reservedAt: reservedAt)
        }
    }

    /// Corrects a call's token reservation by what the provider reported it used.
    func settleCall(_ deployment: String, estimatedTokens: Int, actualTokens: Int, reservedAt: Date) {
        state.withLock { state in
            state.health[deployment]?.budget.settle(estimatedTokens: estimatedTokens, actualTokens: actualTokens, reservedAt: reservedAt)
        }
    }

    /// Counts calls that routing turned away for want of an RPM/TPM lease, so the next lease is larger.
    func noteTurnedAway(_ deployments: [String], tokens: Int) {
        state.withLock { state in
            for name in deployments { state.health[name]?.budget.noteTurnedAway(tokens: tokens) }
        }
    }

    /// The earliest time any of `deployments` may take a call of `tokens` by its RPM/TPM lease.
    func earliestBudgetCall(_ deployments: [String], tokens: Int, now: Date) -> Date? {
        state.withLock { state in
            deployments.compactMap { state.health[$0]?.budget.earliestCall(tokens: tokens, now: now) }.min()
        }
    }

    /// Whether calling `deployment` now needs the half-open probe first.
    func needsProbe(_ deployment: String, now: Date) -> Bool {
        state.withLock { state in
            guard let breaker = state.health[deployment]?.breaker.state else { return false }
            switch breaker.state {
            case .closed: return false
            case .open: return (breaker.openUntil ?? now) <= now
            case .halfOpen: return true
            }
        }
    }

    /// Records a finished call's outcome locally and queues it for the database.
    /// - Parameters:
    ///   - countsAgainstBreaker: a failure that counts (network, timeout, 5xx); nil for a success.
    ///   - rateLimited: a 429 (sets a cooldown from the observation or the default).
    func record(
        _ deployment: String, success: Bool, countsAgainstBreaker: Bool, rateLimited: Bool, latencyMs: Double?,
        observation: RateLimitState.Observation?, now: Date
    ) {
        state.withLock { state in
            guard var entry = state.health[deployment] else { return }
            var delta = state.deltas[deployment] ?? Delta()
            delta.provider = state.deployments[deployment]?.provider
            delta.model = state.deployments[deployment]?.model
            delta.calls += 1
            if success {
                delta.sawSuccess = true
                delta.trailingFailures = 0
            } else {
                delta.failures += 1
                if countsAgainstBreaker {
                    delta.trailingFailures += 1
                    delta.breakerFailures += 1
                }
            }
            // A closed breaker trips here at once (the next sync reads the shared row back), so the
            // jobs routed before that sync stop picking a deployment that is failing.
            if entry.breaker.state.state == .closed {
                if success {
                    entry.breaker.recordSuccess(holder: "", now: now)
                } else if countsAgainstBreaker {
                    entry.breaker.recordFailure(holder: "", now: now)
                }
            }
            if let latencyMs, success {
                delta.latencySum += latencyMs
                delta.latencyCount += 1
                entry.latency.record(latencyMs, alpha: state.alpha)
            }
            if let observation {
                if rateLimited {
                    entry.rateLimit.applyRateLimited(observation, now: now, defaultCooldownMs: state.defaultCooldownMs)
                } else {
                    entry.rateLimit.apply(observation)
                }
                delta.observation = observation
            } else if rateLimited {
                entry.rateLimit.applyRateLimited(RateLimitState.Observation(), now: now, defaultCooldownMs: state.defaultCooldownMs)
            }
            if rateLimited, let until = entry.rateLimit.cooldownUntil {
                delta.cooldownUntil = max(delta.cooldownUntil ?? until, until)
            }
            // A 429 makes the provider's reported limits the shared budget; later responses update them.
            if let observation, rateLimited || entry.budget.isLearned,
                entry.budget.learn(limitRequests: observation.limitRequests, limitTokens: observation.limitTokens)
            {
                delta.learnedRPM = entry.budget.learnedRPM
                delta.learnedTPM = entry.budget.learnedTPM
            }
            state.health[deployment] = entry
            state.deltas[deployment] = delta
        }
    }

    // MARK: The half-open probe

    static let acquireProbeSQL = """
        UPDATE switchyard.deployment_state
        SET breaker_state = 'half_open', probe_holder = $2, probe_expires_at = now() + $3 * interval '1 millisecond',
            updated_at = now()
        WHERE deployment = $1
          AND ((breaker_state = 'open' AND open_until <= now())
               OR (breaker_state = 'half_open' AND (probe_holder IS NULL OR probe_expires_at < now())))
        RETURNING deployment
        """

    static let settleProbeSQL = """
        UPDATE switchyard.deployment_state
        SET breaker_state = CASE WHEN $3 THEN 'closed' ELSE 'open' END,
            open_until = CASE WHEN $3 THEN NULL ELSE now() + $4 * interval '1 millisecond' END,
            consecutive_failures = CASE WHEN $3 THEN 0 ELSE consecutive_failures + 1 END,
            probe_holder = NULL, probe_expires_at = NULL, updated_at = now()
        WHERE deployment = $1 AND probe_holder = $2 AND breaker_state = 'half_open'
        RETURNING open_until
        """

    /// Takes the single probe of a breaker that may half-open, across all workers.
    /// - Returns: whether this caller holds it.
    func acquireProbe(_ deployment: String, holder: String) async -> Bool {
        let timeoutMs = state.withLock { $0.policy.probeTimeoutMs }
        guard let rows = try? await client.query(Self.acquireProbeSQL, [deployment, holder, timeoutMs]) else { return false }
        let taken = !rows.isEmpty
        if taken { log.breakerHalfOpen(deployment) }
        state.withLock { state in
            guard var entry = state.health[deployment] else { return }
            entry.breaker.state.state = .halfOpen
            entry.breaker.state.probeHolder = taken ? holder : (entry.breaker.state.probeHolder ?? "another worker")
            entry.breaker.state.probeExpiresAt = Date().addingTimeInterval(Double(state.policy.probeTimeoutMs) / 1000)
            state.health[deployment] = entry
        }
        return taken
    }

    /// Closes (success) or re-opens (failure) the breaker whose probe `holder` took.
    func settleProbe(_ deployment: String, holder: String, success: Bool) async {
        let resetMs = state.withLock { $0.policy.resetTimeoutMs }
        let settled = try? await client.query(Self.settleProbeSQL, [deployment, holder, success, resetMs])
        if let row = settled?.first { log.breakerSettled(deployment, success: success, openUntil: row.date("open_until")) }
        state.withLock { state in
            guard var entry = state.health[deployment] else { return }
            entry.breaker.state = success
                ? .closed
                : CircuitBreakerState(state: .open, consecutiveFailures: entry.breaker.state.consecutiveFailures + 1,
                                      openUntil: Date().addingTimeInterval(Double(resetMs) / 1000))
            state.health[deployment] = entry
        }
    }
}
