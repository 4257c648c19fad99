import Foundation
import Gateway
import Postgres
import Providers

extension DeploymentStateBoard {
    static let ensureRowsSQL = """
        INSERT INTO switchyard.deployment_state (deployment, provider, model)
        SELECT r.deployment, r.provider, r.model FROM jsonb_to_recordset($1::jsonb) AS r(deployment text, provider text, model text)
        ON CONFLICT (deployment) DO NOTHING
        """

    // The new consecutive count: a success in the batch resets it to the failures after it. The
    // failure-ratio window restarts when older than window_ms. The breaker opens from closed on
    // either rule ($2 consecutive failures, or a ratio of at least $7 over $6 or more calls).
    static let flushSQL = """
        WITH r AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(deployment text, saw_success boolean, trailing_failures int,
                breaker_failures int, calls bigint, failures bigint, latency_ms double precision, cooldown_until timestamptz,
                remaining_requests int, remaining_tokens int, requests_reset_at timestamptz, tokens_reset_at timestamptz,
                learned_rpm int, learned_tpm bigint)
        ), w AS (
            SELECT r.*, s.breaker_state,
                   CASE WHEN r.saw_success THEN r.trailing_failures ELSE s.consecutive_failures + r.trailing_failures END AS consecutive,
                   (s.window_started_at IS NULL OR s.window_started_at < now() - $5 * interval '1 millisecond') AS fresh,
                   s.window_started_at, s.window_successes, s.window_failures
            FROM r JOIN switchyard.deployment_state s ON s.deployment = r.deployment
        ), d AS (
            SELECT w.*,
                   CASE WHEN w.fresh THEN now() ELSE w.window_started_at END AS w_started,
                   (CASE WHEN w.fresh THEN 0 ELSE w.window_successes END + (w.calls - w.failures))::int AS w_successes,
                   (CASE WHEN w.fresh THEN 0 ELSE w.window_failures END + w.breaker_failures)::int AS w_failures
            FROM w
        ), t AS (
            SELECT d.*, (d.breaker_state = 'closed' AND (d.consecutive >= $2
                        OR (d.w_successes + d.w_failures >= $6
                            AND d.w_failures::float8 / (d.w_successes + d.w_failures) >= $7::double precision))) AS trips
            FROM d
        )
        UPDATE switchyard.deployment_state s SET
            consecutive_failures = t.consecutive,
            window_started_at = CASE WHEN t.trips THEN NULL ELSE t.w_started END,
            window_successes = CASE WHEN t.trips THEN 0 ELSE t.w_successes END,
            window_failures = CASE WHEN t.trips THEN 0 ELSE t.w_failures END,
            breaker_state = CASE WHEN t.trips THEN 'open' ELSE s.breaker_state END,
            open_until = CASE WHEN t.trips THEN now() + $3 * interval '1 millisecond' ELSE s.open_until END,
            cooldown_until = GREATEST(s.cooldown_until, t.cooldown_until),
            latency_ewma_ms = CASE WHEN t.latency_ms IS NULL THEN s.latency_ewma_ms
                                   WHEN s.latency_ewma_ms IS NULL THEN t.latency_ms
                                   ELSE s.latency_ewma_ms * (1 - $4::double precision) + t.latency_ms * $4::double precision END,
            remaining_requests = coalesce(t.remaining_requests, s.remaining_requests),
            requests_reset_at = CASE WHEN t.remaining_requests IS NULL THEN s.requests_reset_at ELSE t.requests_reset_at END,
            remaining_tokens = coalesce(t.remaining_tokens, s.remaining_tokens),
            tokens_reset_at = CASE WHEN t.remaining_tokens IS NULL THEN s.tokens_reset_at ELSE t.tokens_reset_at END,
            learned_rpm = coalesce(t.learned_rpm, s.learned_rpm),
            learned_tpm = coalesce(t.learned_tpm, s.learned_tpm),
            calls_total = s.calls_total + t.calls,
            failures_total = s.failures_total + t.failures,
            updated_at = now()
        FROM t WHERE s.deployment = t.deployment
        RETURNING s.deployment, t.trips, s.consecutive_failures, s.open_until
        """

    // Every sync transaction locks its rows in name order first: two workers' syncs never deadlock.
    static let lockSQL = """
        SELECT deployment FROM switchyard.deployment_state WHERE deployment = ANY($1::text[]) ORDER BY deployment FOR UPDATE
        """

    // Grants RPM/TPM leases under the row locks taken by lockSQL: what was given back is taken off
    // first, then each ask is granted up to what the window has left. A lease for a newer window
    // starts it from zero; one for an older window (a worker whose clock is behind) gets nothing.
    static let leaseSQL = """
        WITH r AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(deployment text, window_start timestamptz, rpm int, tpm bigint,
                want_requests int, want_tokens bigint, return_requests int, return_tokens bigint)
        ), b AS (
            SELECT r.*,
                   CASE WHEN s.budget_window_start = r.window_start THEN greatest(0, s.budget_requests - r.return_requests) ELSE 0 END
                       AS requests_base,
                   CASE WHEN s.budget_window_start = r.window_start THEN greatest(0, s.budget_tokens - r.return_tokens) ELSE 0 END
                       AS tokens_base
            FROM r JOIN switchyard.deployment_state s ON s.deployment = r.deployment
            WHERE s.budget_window_start IS NULL OR s.budget_window_start <= r.window_start
        ), g AS (
            SELECT b.*,
                   CASE WHEN b.rpm IS NULL THEN 0 ELSE least(b.want_requests, greatest(0, b.rpm - b.requests_base)) END AS requests_granted,
                   CASE WHEN b.tpm IS NULL THEN 0 ELSE least(b.want_tokens, greatest(0, b.tpm - b.tokens_base)) END AS tokens_granted
            FROM b
        )
        UPDATE switchyard.deployment_state s SET
            budget_window_start = g.window_start,
            budget_requests = g.requests_base + g.requests_granted,
            budget_tokens = g.tokens_base + g.tokens_granted
        FROM g WHERE s.deployment = g.deployment
        RETURNING g.deployment, g.requests_granted, g.tokens_granted::bigint AS tokens_granted,
                  g.rpm - s.budget_requests AS requests_left, g.tpm - s.budget_tokens AS tokens_left
        """

    static let readSQL = """
        SELECT deployment, breaker_state, consecutive_failures, open_until, probe_holder, probe_expires_at,
               cooldown_until, remaining_requests, remaining_tokens, requests_reset_at, tokens_reset_at, latency_ewma_ms,
               learned_rpm, learned_tpm
        FROM switchyard.deployment_state
        """

    /// Writes the queued outcomes and renews the RPM/TPM leases in one transaction, then reads
    /// every deployment's shared state into the snapshot (latency samples stay this worker's own).
    public func sync() async throws {
        let now = Date()
        let (deltas, deployments, policy, alpha, leases) = state.withLock { state in
            let deltas = state.deltas
            state.deltas = [:]
            var leases: [String: RateBudget.Lease] = [:]
            for (name, var entry) in state.health where entry.budget.isLimited {
                if let lease = entry.budget.leaseRequest(now: now), lease.wantRequests + lease.wantTokens + lease.returnRequests
                    + lease.returnTokens > 0
                {
                    leases[name] = lease
                }
                state.health[name] = entry
            }
            return (deltas, state.deployments, state.policy, state.alpha, leases)
        }
        if !deltas.isEmpty || !leases.isEmpty {
            do {
                let (grants, tripped) = try await write(deltas, leases: leases, deployments: deployments, policy: policy, alpha: alpha)
                for trip in tripped {
                    log.breakerOpened(trip.deployment, consecutiveFailures: trip.consecutiveFailures, openUntil: trip.openUntil)
                }
                state.withLock { state in
                    for (name, lease) in leases {
                        let grant = grants[name]
                        state.health[name]?.budget.applyGrant(
                            lease.windowStart, requests: grant?.requests ?? 0, tokens: grant?.tokens ?? 0,
                            requestsLeft: grant?.requestsLeft, tokensLeft: grant?.tokensLeft)
                    }
                }
            } catch {
                // Put the outcomes back so the next sync writes them. Leases given back are lost
                // for this window: less capacity, never more.
                state.withLock { state in
                    for (name, delta) in deltas where state.deltas[name] == nil { state.deltas[name] = delta }
                }
                throw error
            }
        }
        let rows = try await client.query(Self.readSQL)
        state.withLock { state in
            for row in rows {
                guard let name = row.string("deployment"), var entry = state.health[name], deployments[name] != nil else { continue }
                let phase = CircuitBreakerState.Phase(rawValue: row.string("breaker_state") ?? "closed") ?? .closed
                entry.breaker.state = CircuitBreakerState(
                    state: phase, consecutiveFailures: row.int("consecutive_failures") ?? 0,
                    openUntil: row.date("open_until"), probeHolder: row.string("probe_holder"),
                    probeExpiresAt: row.date("probe_expires_at"))
                entry.rateLimit.cooldownUntil = row.date("cooldown_until")
                entry.rateLimit.remainingRequests = row.int("remaining_requests")
                entry.rateLimit.remainingTokens = row.int("remaining_tokens")
                entry.rateLimit.requestsResetAt = row.date("requests_reset_at")
                entry.rateLimit.tokensResetAt = row.date("tokens_reset_at")
                entry.budget.learn(limitRequests: row.int("learned_rpm"), limitTokens: row.int("learned_tpm"))
                if let ms = row.double("latency_ewma_ms") {
                    entry.latency = LatencyEWMA(milliseconds: ms, samples: max(1, entry.latency.samples))
                }
                state.health[name] = entry
            }
        }
    }

    /// A breaker this worker's outcomes opened.
    struct Trip {
        var deployment: String
        var consecutiveFailures: Int?
        var openUntil: Date?
    }

    /// What the shared window granted one deployment.
    struct Grant {
        var requests: Int
        var tokens: Int
        var requestsLeft: Int?
        var tokensLeft: Int?
    }

    private func write(
        _ deltas: [String: Delta], leases: [String: RateBudget.Lease], deployments: [String: DeploymentConfig],
        policy: CircuitBreakerPolicy, alpha: Double
    ) async throws -> (grants: [String: Grant], tripped: [Trip]) {
        let names = Set(deltas.keys).union(leases.keys).sorted()
        var ensure: [JSONValue] = []
        for name in names {
            let provider = deltas[name]?.provider ?? deployments[name]?.provider
            let model = deltas[name]?.model ?? deployments[name]?.model
            ensure.append(.object([
                "deployment": .string(name), "provider": provider.map(JSONValue.string) ?? .null,
                "model": model.map(JSONValue.string) ?? .null,
            ]))
        }
        var rows: [JSONValue] = []
        for name in deltas.keys.sorted() {
            guard let delta = deltas[name] else { continue }
            var row: [String: JSONValue] = [
                "deployment": .string(name), "saw_success": .bool(delta.sawSuccess), "trailing_failures": .int(delta.trailingFailures),
                "breaker_failures": .int(delta.breakerFailures),
                "calls": .int(delta.calls), "failures": .int(delta.failures),
            ]
            if delta.latencyCount > 0 { row["latency_ms"] = .double(delta.latencySum / Double(delta.latencyCount)) }
            if let until = delta.cooldownUntil { row["cooldown_until"] = .string(LedgerWriter.timestamp(until)) }
            if let value = delta.learnedRPM { row["learned_rpm"] = .int(value) }
            if let value = delta.learnedTPM { row["learned_tpm"] = .int(value) }
            if let observation = delta.observation {
                if let value = observation.remainingRequests { row["remaining_requests"] = .int(value) }
                if let value = observation.remainingTokens { row["remaining_tokens"] = .int(value) }
                if let at = observation.requestsResetAt { row["requests_reset_at"] = .string(LedgerWriter.timestamp(at)) }
                if let at = observation.tokensResetAt { row["tokens_reset_at"] = .string(LedgerWriter.timestamp(at)) }
            }
            rows.append(.object(row))
        }
        var asks: [JSONValue] = []
        for name in leases.keys.sorted() {
            guard let lease = leases[name] else { continue }
            asks.append(.object([
                "deployment": .string(name), "window_start": .string(LedgerWriter.timestamp(lease.windowStart)),
                "rpm": lease.rpm.map(JSONValue.int) ?? .null, "tpm": lease.tpm.map(JSONValue.int) ?? .null,
                "want_requests": .int(lease.wantRequests), "want_tokens": .int(lease.wantTokens),
                "return_requests": .int(lease.returnRequests), "return_tokens": .int(lease.returnTokens),
            ]))
        }
        let ensureJSON = PostgresJSON(bytes: JSONValue.array(ensure).serialized())
        let rowsJSON = PostgresJSON(bytes: JSONValue.array(rows).serialized())
        let asksJSON = PostgresJSON(bytes: JSONValue.array(asks).serialized())
        let threshold = policy.consecutiveFailures
        let resetMs = policy.resetTimeoutMs
        let windowMs = policy.windowMs
        let minimumRequests = policy.minimumRequests
        let ratio = policy.failureRatio
        let flushes = !rows.isEmpty
        let leases = !asks.isEmpty
        return try await client.transaction { connection in
            _ = try connection.query(Self.ensureRowsSQL, [ensureJSON])
            _ = try connection.query(Self.lockSQL, [names])
            var tripped: [Trip] = []
            if flushes {
                let flushed = try connection.query(Self.flushSQL, [rowsJSON, threshold, resetMs, alpha, windowMs, minimumRequests, ratio])
                for row in flushed where row.bool("trips") == true {
                    guard let name = row.string("deployment") else { continue }
                    tripped.append(Trip(deployment: name, consecutiveFailures: row.int("consecutive_failures"), openUntil: row.date("open_until")))
                }
            }
            var grants: [String: Grant] = [:]
            if leases {
                for row in try connection.query(Self.leaseSQL, [asksJSON]) {
                    guard let name = row.string("deployment") else { continue }
                    grants[name] = Grant(
                        requests: row.int("requests_granted") ?? 0, tokens: row.int("tokens_granted") ?? 0,
                        requestsLeft: row.int("requests_left"), tokensLeft: row.int("tokens_left"))
                }
            }
            return (grants, tripped)
        }
    }
}
