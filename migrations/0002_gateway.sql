-- The gateway's shared state: applied configs, the response cache (with its single-flight marker)
-- and per-deployment health shared by all workers. See DESIGN.md ("Executing one job").

-- One row per applied config; the row with the highest id is the one in force. Secrets are never
-- stored: the config names the environment variables that hold keys (literal keys only for
-- loopback servers such as the mock provider).
CREATE TABLE switchyard.config_versions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    config      jsonb       NOT NULL,
    sha256      text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text
);

-- Workers LISTEN on switchyard_config and reload.
CREATE FUNCTION switchyard.notify_config_applied() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('switchyard_config', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER config_versions_notify
    AFTER INSERT ON switchyard.config_versions
    FOR EACH ROW EXECUTE FUNCTION switchyard.notify_config_applied();

-- The response cache. A row is 'pending' while one job calls the provider for its key (single
-- flight: identical jobs wait for it instead of calling too); a pending row past pending_until
-- (its worker died or gave up) may be taken over. 'ready' rows answer until expires_at.
CREATE TABLE switchyard.cache (
    key           text        PRIMARY KEY,
    model         text,
    response      jsonb,
    state         text        NOT NULL DEFAULT 'ready' CHECK (state IN ('pending', 'ready')),
    pending_until timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    hits          bigint      NOT NULL DEFAULT 0,
    CHECK (state = 'pending' OR response IS NOT NULL)
);

CREATE INDEX cache_expires_at_idx ON switchyard.cache (expires_at);
CREATE INDEX cache_created_at_idx ON switchyard.cache (created_at);

-- Per-deployment state shared by all workers: circuit breaker (with the single half-open probe),
-- rate-limit cooldown and remaining budget from provider headers, latency EWMA. Workers cache it
-- and sync at most every ~100 ms.
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
