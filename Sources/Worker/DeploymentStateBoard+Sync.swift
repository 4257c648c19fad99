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
                remaining_requests int, remaining_tokens int, requests_reset_at timestamptz, tokens_reset_at timestamptz)
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
            calls_total = s.calls_total + t.calls,
            failures_total = s.failures_total + t.failures,
            updated_at = now()
        FROM t WHERE s.deployment = t.deployment
        """

    static let readSQL = """
        SELECT deployment, breaker_state, consecutive_failures, open_until, probe_holder, probe_expires_at,
               cooldown_until, remaining_requests, remaining_tokens, requests_reset_at, tokens_reset_at, latency_ewma_ms
        FROM switchyard.deployment_state
        """

    /// Writes the queued outcomes, then reads every deployment's shared state into the snapshot
    /// (the local RPM/TPM budget and latency samples stay this worker's own).
    public func sync() async throws {
        let (deltas, deployments, policy, alpha) = state.withLock { state in
            let deltas = state.deltas
            state.deltas = [:]
            return (deltas, state.deployments, state.policy, state.alpha)
        }
        do {
            if !deltas.isEmpty { try await flush(deltas, policy: policy, alpha: alpha) }
        } catch {
            // Put them back so the next sync writes them.
            state.withLock { state in
                for (name, delta) in deltas where state.deltas[name] == nil { state.deltas[name] = delta }
            }
            throw error
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
                if let ms = row.double("latency_ewma_ms") {
                    entry.latency = LatencyEWMA(milliseconds: ms, samples: max(1, entry.latency.samples))
                }
                state.health[name] = entry
            }
        }
    }

    private func flush(_ deltas: [String: Delta], policy: CircuitBreakerPolicy, alpha: Double) async throws {
        let names = deltas.keys.sorted()
        var ensure: [JSONValue] = []
        var rows: [JSONValue] = []
        for name in names {
            guard let delta = deltas[name] else { continue }
            ensure.append(.object([
                "deployment": .string(name), "provider": delta.provider.map(JSONValue.string) ?? .null,
                "model": delta.model.map(JSONValue.string) ?? .null,
            ]))
            var row: [String: JSONValue] = [
                "deployment": .string(name), "saw_success": .bool(delta.sawSuccess), "trailing_failures": .int(delta.trailingFailures),
                "breaker_failures": .int(delta.breakerFailures),
                "calls": .int(delta.calls), "failures": .int(delta.failures),
            ]
            if delta.latencyCount > 0 { row["latency_ms"] = .double(delta.latencySum / Double(delta.latencyCount)) }
            if let until = delta.cooldownUntil { row["cooldown_until"] = .string(LedgerWriter.timestamp(until)) }
            if let observation = delta.observation {
                if let value = observation.remainingRequests { row["remaining_requests"] = .int(value) }
                if let value = observation.remainingTokens { row["remaining_tokens"] = .int(value) }
                if let at = observation.requestsResetAt { row["requests_reset_at"] = .string(LedgerWriter.timestamp(at)) }
                if let at = observation.tokensResetAt { row["tokens_reset_at"] = .string(LedgerWriter.timestamp(at)) }
            }
            rows.append(.object(row))
        }
        let ensureJSON = PostgresJSON(bytes: JSONValue.array(ensure).serialized())
        let rowsJSON = PostgresJSON(bytes: JSONValue.array(rows).serialized())
        let threshold = policy.consecutiveFailures
        let resetMs = policy.resetTimeoutMs
        let windowMs = policy.windowMs
        let minimumRequests = policy.minimumRequests
        let ratio = policy.failureRatio
        try await client.transaction { connection in
            _ = try connection.query(Self.ensureRowsSQL, [ensureJSON])
            _ = try connection.query(Self.flushSQL, [rowsJSON, threshold, resetMs, alpha, windowMs, minimumRequests, ratio])
        }
    }
}
