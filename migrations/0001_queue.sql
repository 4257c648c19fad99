-- The job queue and the usage ledger. See ../docs and DESIGN.md ("Data model", "Job lifecycle").
CREATE SCHEMA IF NOT EXISTS switchyard;

-- One row per job. `attempt` counts claims and is the fencing token of a lease: every claim
-- increments it and every later write by the claiming worker matches (id, attempt, state = 'running'),
-- so a job rescued and claimed again can never be overwritten by the worker that lost it.
-- Attempts that count against max_attempts are `attempt - snoozes` (a snoozed or released claim
-- also increments `snoozes`).
CREATE TABLE switchyard.jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue            text        NOT NULL DEFAULT 'default',
    state            text        NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    priority         integer     NOT NULL DEFAULT 0,
    run_at           timestamptz NOT NULL DEFAULT now(),
    attempt          integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts     integer     NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    snoozes          integer     NOT NULL DEFAULT 0 CHECK (snoozes >= 0),
    deadline         timestamptz,
    lease_expires_at timestamptz,
    worker_id        text,
    cancel_requested boolean     NOT NULL DEFAULT false,
    client_id        bigint,
    batch_id         bigint,
    custom_id        text,
    idempotency_key  text,
    route            text        NOT NULL,
    request          jsonb       NOT NULL,
    options          jsonb       NOT NULL DEFAULT '{}',
    cache_key        text,
    result           jsonb,
    error            jsonb,
    routing_trace    jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempted_at     timestamptz,
    finished_at      timestamptz,
    CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
) WITH (fillfactor = 80);  -- room on the page for HOT heartbeats (see jobs_running_idx)

-- Claiming: the next runnable jobs of a queue, highest priority first, then oldest run_at.
CREATE INDEX jobs_claim_idx ON switchyard.jobs (queue, priority DESC, run_at, id)
    WHERE state = 'queued';

-- Rescue of expired leases (reads every running job and sorts by lease; running jobs are bounded
-- by the workers' slots), and "is anything running" for `worker --drain`. Keyed by queue, not
-- lease_expires_at: with no index on the lease a heartbeat is a HOT update when its page has room.
-- (Claims and completions change `state`, which index predicates read, so they are never HOT.)
CREATE INDEX jobs_running_idx ON switchyard.jobs (queue)
    WHERE state = 'running';

-- Idempotency keys are unique per client; CLI jobs (no client) count as one client.
CREATE UNIQUE INDEX jobs_idempotency_key_idx ON switchyard.jobs (client_id, idempotency_key)
    NULLS NOT DISTINCT WHERE idempotency_key IS NOT NULL;

CREATE INDEX jobs_batch_idx ON switchyard.jobs (batch_id, id) WHERE batch_id IS NOT NULL;

-- Wake-ups: one NOTIFY per inserting statement (and NOTIFY folds duplicates per transaction), so
-- a bulk insert of 10,000 jobs costs one notification, not 10,000.
CREATE FUNCTION switchyard.notify_jobs_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('switchyard_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify_inserted
    AFTER INSERT ON switchyard.jobs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard.notify_jobs_inserted();

-- The usage ledger: one row per provider call and one per cache hit. Append-only; written in the
-- same transaction as the job transition it belongs to.
CREATE TABLE switchyard.attempts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id            bigint      NOT NULL REFERENCES switchyard.jobs (id) ON DELETE CASCADE,
    attempt           integer     NOT NULL,
    route             text,
    deployment        text,
    provider          text,
    model             text,
    region            text,
    api_key_label     text,
    outcome           text        NOT NULL
                      CHECK (outcome IN ('ok', 'cache_hit', 'rate_limited', 'server_error', 'timeout',
                                         'network', 'client_error', 'cancelled')),
    http_status       integer,
    started_at        timestamptz NOT NULL DEFAULT now(),
    latency_ms        double precision,
    ttfb_ms           double precision,
    prompt_tokens     integer     NOT NULL DEFAULT 0,
    completion_tokens integer     NOT NULL DEFAULT 0,
    cached_tokens     integer     NOT NULL DEFAULT 0,
    cost_usd          numeric(20, 10) NOT NULL DEFAULT 0,
    baseline_cost_usd numeric(20, 10) NOT NULL DEFAULT 0,
    failover          boolean     NOT NULL DEFAULT false,
    worker_id         text,
    error             text
);

CREATE INDEX attempts_job_idx ON switchyard.attempts (job_id);
CREATE INDEX attempts_started_at_idx ON switchyard.attempts (started_at);
