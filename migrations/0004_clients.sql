-- API clients. A key is shown once when created and stored only as the hex sha256 of its text,
-- so a leaked table does not leak keys. tpm/tpd are token quotas per minute/day (NULL: none).
CREATE TABLE switchyard.clients (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL,
    key_sha256 text        NOT NULL UNIQUE CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    admin      boolean     NOT NULL DEFAULT false,
    tpm        bigint      CHECK (tpm IS NULL OR tpm > 0),
    tpd        bigint      CHECK (tpd IS NULL OR tpd > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Listing a client's own jobs, newest first.
CREATE INDEX jobs_client_idx ON switchyard.jobs (client_id, id DESC) WHERE client_id IS NOT NULL;
