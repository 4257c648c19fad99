-- Files and batches: the OpenAI Batch API (`POST /v1/files`, `/v1/batches`) and the batches of
-- `switchyard docs submit`. A batch's requests are ordinary jobs carrying its id in jobs.batch_id
-- (and the line's custom_id, or the document's file name, in jobs.custom_id); the counts shown to
-- clients are read from those jobs. Ids appear in JSON as strings, like job ids.

-- Uploaded and generated files. `content` holds the bytes (size limited by the API, 100 MB at most
-- here); batch output and error files are written when a batch finalizes.
CREATE TABLE switchyard.files (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id  bigint REFERENCES switchyard.clients (id),
    purpose    text        NOT NULL CHECK (purpose IN ('batch', 'batch_output', 'batch_error')),
    filename   text        NOT NULL,
    bytes      bigint      NOT NULL CHECK (bytes >= 0),
    content    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX files_client_idx ON switchyard.files (client_id, id DESC);

-- One row per batch. `kind` = 'openai' for the Batch API, 'docs' for `switchyard docs submit`.
-- Status follows the OpenAI Batch API: validating → in_progress → finalizing → completed, or
-- failed (input rejected), expired (completion window passed), cancelling → cancelled.
CREATE TABLE switchyard.batches (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id         bigint REFERENCES switchyard.clients (id),
    kind              text        NOT NULL DEFAULT 'openai' CHECK (kind IN ('openai', 'docs')),
    status            text        NOT NULL DEFAULT 'validating'
                      CHECK (status IN ('validating', 'failed', 'in_progress', 'finalizing', 'completed',
                                        'expired', 'cancelling', 'cancelled')),
    endpoint          text        NOT NULL DEFAULT '/v1/chat/completions',
    completion_window text        NOT NULL DEFAULT '24h',
    input_file_id     bigint REFERENCES switchyard.files (id),
    output_file_id    bigint REFERENCES switchyard.files (id),
    error_file_id     bigint REFERENCES switchyard.files (id),
    metadata          jsonb       NOT NULL DEFAULT '{}',
    errors            jsonb,
    request_total     integer     NOT NULL DEFAULT 0 CHECK (request_total >= 0),
    request_completed integer     NOT NULL DEFAULT 0 CHECK (request_completed >= 0),
    request_failed    integer     NOT NULL DEFAULT 0 CHECK (request_failed >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    in_progress_at    timestamptz,
    expires_at        timestamptz,
    finalizing_at     timestamptz,
    completed_at      timestamptz,
    failed_at         timestamptz,
    expired_at        timestamptz,
    cancelling_at     timestamptz,
    cancelled_at      timestamptz
);

CREATE INDEX batches_client_idx ON switchyard.batches (client_id, id DESC);

-- Batches a finalizer still has to look at.
CREATE INDEX batches_open_idx ON switchyard.batches (id)
    WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling');
