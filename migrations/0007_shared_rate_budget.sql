-- Configured RPM/TPM per deployment, enforced across all workers (DESIGN.md, "Executing one job").
-- Each deployment's current window (fixed, aligned to the Unix clock, deployments.rate_window_s
-- long) records how many requests and tokens have been leased to workers. A worker's sync asks for
-- a small lease and gives back what it holds beyond its demand, under the row lock, so the leases
-- of one window never add up to more than the limit. A lease for a newer window resets the counts.
-- learned_rpm / learned_tpm: the limits a deployment without configured ones reported in its
-- rate-limit headers once it answered 429; from then on they are enforced the same way.
ALTER TABLE switchyard.deployment_state
    ADD COLUMN budget_window_start timestamptz,
    ADD COLUMN budget_requests     int    NOT NULL DEFAULT 0,
    ADD COLUMN budget_tokens       bigint NOT NULL DEFAULT 0,
    ADD COLUMN learned_rpm         int,
    ADD COLUMN learned_tpm         bigint;
