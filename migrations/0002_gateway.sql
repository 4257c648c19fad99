-- PLACEHOLDER on branch `analytics` only: the deployment_state table exactly as agreed in
-- notes/WAVE2.md, so that migration 0003's analytics.provider_health view has something to read.
-- The engine helper's real 0002_gateway.sql (config, cache, deployment_state) replaces this file
-- when the branches merge; 0003 depends only on the deployment_state columns below.
CREATE TABLE switchyard.deployment_state (
    deployment           text PRIMARY KEY,
    provider             text,
    model                text,
    breaker_state        text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'open', 'half_open')),
    consecutive_failures int NOT NULL DEFAULT 0,
    window_started_at    timestamptz,
    window_successes     int NOT NULL DEFAULT 0,
    window_failures      int NOT NULL DEFAULT 0,
    open_until           timestamptz,
    probe_holder         text,
    probe_expires_at     timestamptz,
    cooldown_until       timestamptz,
    remaining_requests   int,
    remaining_tokens     int,
    requests_reset_at    timestamptz,
    tokens_reset_at      timestamptz,
    latency_ewma_ms      double precision,
    calls_total          bigint NOT NULL DEFAULT 0,
    failures_total       bigint NOT NULL DEFAULT 0,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
