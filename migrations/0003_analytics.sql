-- Analytics: SQL views over the job queue (switchyard.jobs), the usage ledger (switchyard.attempts)
-- and the shared deployment state (switchyard.deployment_state). These views are the product:
-- analysts query them with psql, and `switchyard stats` / `switchyard providers` read them.
-- docs/ANALYTICS.md lists every view with its columns and a sample query.
--
-- Conventions used throughout:
-- * A "request" is one ledger row: one provider call or one cache hit.
-- * A "provider call" is a ledger row whose outcome is not cache_hit.
-- * Latency figures are over answered provider calls (outcome = 'ok'): cache hits would pull them
--   towards zero and timeouts towards the timeout setting.
-- * Token sums are over provider calls (tokens actually sent to and returned by a provider); a cache
--   hit's tokens are reported separately where it matters (analytics.token_usage).
-- * Percentages are numeric, rounded to 2 decimals; NULL when the denominator is zero.
-- * Money is numeric (exact), never floating point.
--
-- Cost on a large ledger: views that aggregate the whole ledger scan it; filter on time through
-- the *_since functions (analytics.stats_since) or on started_at, which attempts_started_at_idx serves.
CREATE SCHEMA IF NOT EXISTS analytics;

-- Request distribution per route and model: how traffic was actually split (seed 000's 50/50).
CREATE VIEW analytics.request_distribution AS
SELECT route,
       model,
       count(*)                                                      AS requests,
       count(*) FILTER (WHERE outcome IN ('ok', 'cache_hit'))        AS succeeded,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY route), 2) AS route_share_pct,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2)            AS total_share_pct
FROM switchyard.attempts
GROUP BY route, model;

-- Token usage per provider and model.
CREATE VIEW analytics.token_usage AS
SELECT provider,
       model,
       count(*) FILTER (WHERE outcome <> 'cache_hit')                              AS calls,
       coalesce(sum(prompt_tokens) FILTER (WHERE outcome <> 'cache_hit'), 0)       AS prompt_tokens,
       coalesce(sum(completion_tokens) FILTER (WHERE outcome <> 'cache_hit'), 0)   AS completion_tokens,
       coalesce(sum(cached_tokens) FILTER (WHERE outcome <> 'cache_hit'), 0)       AS cached_tokens,
       coalesce(sum(prompt_tokens + completion_tokens) FILTER (WHERE outcome <> 'cache_hit'), 0) AS total_tokens,
       count(*) FILTER (WHERE outcome = 'cache_hit')                               AS cache_hits,
       coalesce(sum(prompt_tokens + completion_tokens) FILTER (WHERE outcome = 'cache_hit'), 0) AS cache_hit_tokens
FROM switchyard.attempts
GROUP BY provider, model;

-- Latency percentiles per provider, model and minute, over answered provider calls. A filter on
-- `bucket` cannot reach attempts_started_at_idx, so the function takes the lower bound (inlined by
-- the planner); the view is the function over the whole ledger.
CREATE FUNCTION analytics.latency_per_minute_since(since timestamptz)
RETURNS TABLE (bucket timestamptz, provider text, model text, calls bigint, avg_ms numeric, p50_ms numeric,
               p95_ms numeric, p99_ms numeric, first_started_at timestamptz, last_started_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT date_bin('1 minute', a.started_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
           a.provider,
           a.model,
           count(*),
           round(avg(a.latency_ms)::numeric, 3),
           round(percentile_cont(0.50) WITHIN GROUP (ORDER BY a.latency_ms)::numeric, 3),
           round(percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms)::numeric, 3),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY a.latency_ms)::numeric, 3),
           min(a.started_at),
           max(a.started_at)
    FROM switchyard.attempts a
    WHERE a.outcome = 'ok' AND a.latency_ms IS NOT NULL AND a.started_at >= since
    GROUP BY 1, a.provider, a.model
$$;

CREATE VIEW analytics.latency_per_minute AS
SELECT * FROM analytics.latency_per_minute_since('-infinity');

-- Cost and savings against the baseline model, per provider and model. A cache hit costs nothing
-- and saves its whole baseline cost.
CREATE VIEW analytics.cost_savings AS
SELECT provider,
       model,
       count(*)                                          AS requests,
       sum(cost_usd)                                     AS cost_usd,
       sum(baseline_cost_usd)                            AS baseline_cost_usd,
       sum(baseline_cost_usd) - sum(cost_usd)            AS savings_usd,
       round(100 * (sum(baseline_cost_usd) - sum(cost_usd)) / nullif(sum(baseline_cost_usd), 0), 2) AS savings_pct
FROM switchyard.attempts
GROUP BY provider, model;

-- The same over the whole ledger: one row.
CREATE VIEW analytics.cost_savings_total AS
SELECT count(*)                                          AS requests,
       coalesce(sum(cost_usd), 0)                        AS cost_usd,
       coalesce(sum(baseline_cost_usd), 0)               AS baseline_cost_usd,
       coalesce(sum(baseline_cost_usd) - sum(cost_usd), 0) AS savings_usd,
       round(100 * (sum(baseline_cost_usd) - sum(cost_usd)) / nullif(sum(baseline_cost_usd), 0), 2) AS savings_pct
FROM switchyard.attempts;

-- Cache hit rate per route and model: cache_hit rows / (cache_hit + ok rows).
CREATE VIEW analytics.cache_hit_rate AS
SELECT route,
       model,
       count(*) FILTER (WHERE outcome = 'cache_hit')  AS cache_hits,
       count(*) FILTER (WHERE outcome = 'ok')         AS misses,
       round(100.0 * count(*) FILTER (WHERE outcome = 'cache_hit') / nullif(count(*), 0), 2) AS hit_rate_pct
FROM switchyard.attempts
WHERE outcome IN ('ok', 'cache_hit')
GROUP BY route, model;

-- The same over the whole ledger: one row.
CREATE VIEW analytics.cache_hit_rate_total AS
SELECT count(*) FILTER (WHERE outcome = 'cache_hit')  AS cache_hits,
       count(*) FILTER (WHERE outcome = 'ok')         AS misses,
       round(100.0 * count(*) FILTER (WHERE outcome = 'cache_hit') / nullif(count(*), 0), 2) AS hit_rate_pct
FROM switchyard.attempts
WHERE outcome IN ('ok', 'cache_hit');

-- Failover events: every ledger row written with failover = true, with its job, and the attempt of
-- the same job that came just before it (the call that was failed over from).
CREATE VIEW analytics.failover_events AS
SELECT a.id                 AS attempt_id,
       a.job_id,
       a.attempt,
       a.started_at,
       j.route              AS job_route,
       a.route,
       previous.deployment  AS from_deployment,
       previous.model       AS from_model,
       previous.outcome     AS from_outcome,
       a.deployment         AS to_deployment,
       a.provider           AS to_provider,
       a.model              AS to_model,
       a.outcome
FROM switchyard.attempts a
JOIN switchyard.jobs j ON j.id = a.job_id
LEFT JOIN LATERAL (
    SELECT p.deployment, p.model, p.outcome
    FROM switchyard.attempts p
    WHERE p.job_id = a.job_id AND p.id < a.id
    ORDER BY p.id DESC
    LIMIT 1
) previous ON true
WHERE a.failover;

-- Error rates per deployment and outcome, over provider calls. One row per (deployment, outcome);
-- rate_pct is that outcome's share of the deployment's calls.
CREATE VIEW analytics.error_rates AS
SELECT deployment,
       provider,
       model,
       outcome,
       count(*)                                                                     AS calls,
       sum(count(*)) OVER (PARTITION BY deployment, provider, model)                AS deployment_calls,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY deployment, provider, model), 2) AS rate_pct
FROM switchyard.attempts
WHERE outcome <> 'cache_hit'
GROUP BY deployment, provider, model, outcome;

-- Usage per client (client_id NULL: jobs enqueued from the CLI).
CREATE VIEW analytics.client_usage AS
SELECT j.client_id,
       count(*)                                             AS jobs,
       count(*) FILTER (WHERE j.state = 'succeeded')        AS jobs_succeeded,
       count(*) FILTER (WHERE j.state = 'failed')           AS jobs_failed,
       coalesce(sum(l.requests), 0)::bigint                 AS requests,
       coalesce(sum(l.cache_hits), 0)::bigint               AS cache_hits,
       coalesce(sum(l.prompt_tokens), 0)::bigint            AS prompt_tokens,
       coalesce(sum(l.completion_tokens), 0)::bigint        AS completion_tokens,
       coalesce(sum(l.cost_usd), 0)                         AS cost_usd,
       coalesce(sum(l.baseline_cost_usd), 0)                AS baseline_cost_usd
FROM switchyard.jobs j
LEFT JOIN (
    SELECT job_id,
           count(*)                                                            AS requests,
           count(*) FILTER (WHERE outcome = 'cache_hit')                       AS cache_hits,
           sum(prompt_tokens) FILTER (WHERE outcome <> 'cache_hit')            AS prompt_tokens,
           sum(completion_tokens) FILTER (WHERE outcome <> 'cache_hit')        AS completion_tokens,
           sum(cost_usd)                                                       AS cost_usd,
           sum(baseline_cost_usd)                                              AS baseline_cost_usd
    FROM switchyard.attempts
    GROUP BY job_id
) l ON l.job_id = j.id
GROUP BY j.client_id;

-- Queue depth: jobs waiting or running, per queue and state. Terminal states are left out (they
-- are history, not depth; see analytics.throughput_per_minute).
CREATE VIEW analytics.queue_depth AS
SELECT queue,
       state,
       count(*)                                       AS jobs,
       count(*) FILTER (WHERE run_at <= now())        AS ready,
       count(*) FILTER (WHERE run_at > now())         AS scheduled,
       min(run_at)                                    AS oldest_run_at,
       min(created_at)                                AS oldest_created_at
FROM switchyard.jobs
WHERE state IN ('queued', 'running')
GROUP BY queue, state;

-- Throughput: jobs finished per queue and minute. (No index on finished_at: the completion path is
-- the hot path. Filter on finished_at; on a large table expect a scan.)
CREATE VIEW analytics.throughput_per_minute AS
SELECT date_bin('1 minute', finished_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       queue,
       count(*)                                        AS finished,
       count(*) FILTER (WHERE state = 'succeeded')     AS succeeded,
       count(*) FILTER (WHERE state = 'failed')        AS failed,
       count(*) FILTER (WHERE state = 'cancelled')     AS cancelled
FROM switchyard.jobs
WHERE finished_at IS NOT NULL
GROUP BY 1, queue;

-- Provider health: the shared deployment state (breaker, cooldown, rate-limit budget, EWMA latency)
-- with the error rate of the last 5 minutes of provider calls. A deployment seen in the ledger but
-- without a state row still appears (breaker_state NULL).
CREATE VIEW analytics.provider_health AS
WITH recent AS (
    SELECT deployment,
           max(provider)                                                     AS provider,
           max(model)                                                        AS model,
           count(*)                                                          AS recent_calls,
           count(*) FILTER (WHERE outcome NOT IN ('ok', 'client_error', 'cancelled')) AS recent_errors,
           max(started_at)                                                   AS last_call_at
    FROM switchyard.attempts
    WHERE started_at >= now() - interval '5 minutes'
      AND outcome <> 'cache_hit'
      AND deployment IS NOT NULL
    GROUP BY deployment
)
SELECT coalesce(s.deployment, r.deployment)            AS deployment,
       coalesce(s.provider, r.provider)                AS provider,
       coalesce(s.model, r.model)                      AS model,
       s.breaker_state,
       s.consecutive_failures,
       s.open_until,
       s.cooldown_until,
       s.remaining_requests,
       s.remaining_tokens,
       s.latency_ewma_ms,
       s.calls_total,
       s.failures_total,
       s.updated_at,
       coalesce(r.recent_calls, 0)                     AS recent_calls,
       coalesce(r.recent_errors, 0)                    AS recent_errors,
       round(100.0 * r.recent_errors / nullif(r.recent_calls, 0), 2) AS recent_error_rate_pct,
       r.last_call_at,
       (coalesce(s.breaker_state, 'closed') = 'closed'
        AND (s.cooldown_until IS NULL OR s.cooldown_until <= now())
        AND coalesce(100.0 * r.recent_errors / nullif(r.recent_calls, 0), 0) < 50) AS healthy
FROM switchyard.deployment_state s
FULL JOIN recent r ON r.deployment = s.deployment;

-- `switchyard stats`: one row per (provider, model) over ledger rows started at or after `since`.
-- The column set is a contract (DESIGN.md, "Contract"): do not rename. `succeeded` = ok + cache_hit,
-- `failed` = every other outcome; latency over answered provider calls; tokens over provider calls.
-- A plain SQL function, so the planner inlines it and `since` reaches attempts_started_at_idx.
CREATE FUNCTION analytics.stats_since(since timestamptz)
RETURNS TABLE (provider text, model text, requests bigint, succeeded bigint, failed bigint,
               avg_latency_ms numeric, p95_latency_ms numeric, prompt_tokens bigint,
               completion_tokens bigint, cost_usd numeric, cache_hits bigint)
LANGUAGE sql STABLE AS $$
    SELECT a.provider,
           a.model,
           count(*),
           count(*) FILTER (WHERE a.outcome IN ('ok', 'cache_hit')),
           count(*) FILTER (WHERE a.outcome NOT IN ('ok', 'cache_hit')),
           trim_scale(round(avg(a.latency_ms) FILTER (WHERE a.outcome = 'ok')::numeric, 3)),
           trim_scale(round((percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms)
                             FILTER (WHERE a.outcome = 'ok'))::numeric, 3)),
           coalesce(sum(a.prompt_tokens) FILTER (WHERE a.outcome <> 'cache_hit'), 0)::bigint,
           coalesce(sum(a.completion_tokens) FILTER (WHERE a.outcome <> 'cache_hit'), 0)::bigint,
           trim_scale(sum(a.cost_usd)),
           count(*) FILTER (WHERE a.outcome = 'cache_hit')
    FROM switchyard.attempts a
    WHERE a.started_at >= since
    GROUP BY a.provider, a.model
    ORDER BY a.provider, a.model
$$;

CREATE VIEW analytics.stats AS
SELECT * FROM analytics.stats_since('-infinity');
