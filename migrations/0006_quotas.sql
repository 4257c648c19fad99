-- Token quotas per client (clients.tpm / clients.tpd, migration 0004). See docs/API.md ("Quotas").
--
-- A job's tokens count against the UTC minute and the UTC day in which it was submitted. Until the
-- job finishes, an estimate made at submit stands in for them (a reservation); once it is terminal,
-- serve's settler replaces the estimate by the job's provider tokens from the usage ledger
-- (switchyard.attempts, cache hits excluded). Admission locks the client's row, so two concurrent
-- submits can never both take the last tokens of a window.

-- Per client and UTC minute: tokens reserved by jobs submitted in that minute that have not finished,
-- and tokens used (from the ledger) by those that have. A day's usage is the sum of its minutes.
-- Rows older than two days are removed by the settler (they no longer count against any window).
CREATE TABLE switchyard.client_usage (
    client_id       bigint      NOT NULL REFERENCES switchyard.clients (id) ON DELETE CASCADE,
    window_start    timestamptz NOT NULL,
    reserved_tokens bigint      NOT NULL DEFAULT 0,
    used_tokens     bigint      NOT NULL DEFAULT 0,
    jobs            bigint      NOT NULL DEFAULT 0,
    settled_jobs    bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, window_start)
);

-- One row per admitted job of a client with a quota, until the settler has replaced its estimate.
CREATE TABLE switchyard.quota_reservations (
    job_id       bigint      PRIMARY KEY REFERENCES switchyard.jobs (id) ON DELETE CASCADE,
    client_id    bigint      NOT NULL,
    window_start timestamptz NOT NULL,
    tokens       bigint      NOT NULL CHECK (tokens >= 0)
);
