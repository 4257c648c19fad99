-- The two claims as functions whose plans read jobs through an index, never sequentially.
--
-- As with the cache lookup (0010): the claims are prepared statements, and the generic plan
-- PostgreSQL caches after five runs is planned for `jobs` as it was then. On a small table both
-- the subquery that picks the jobs and the UPDATE of `id = ANY (picked)` became sequential scans,
-- kept as the table grew: measured with `switchyard bench api --rate 200` (every pickup a claim by
-- id), 2,113 sequential scans reading 1.3 million rows in 5 s, 0.6 ms per claim of one job.
-- Inside these functions sequential and bitmap scans are off, so the picking reads the claim
-- index (`claim_jobs`) or the primary key (`claim_jobs_by_id`) and the UPDATE the primary key.
--
-- The claim: up to p_limit runnable queued jobs of p_queue, highest priority first, then oldest
-- run_at, locked with SKIP LOCKED (the locks hold to the end of the caller's transaction); each
-- becomes running with attempt + 1, p_worker and a lease of p_lease_ms. The statements are those
-- the worker sent before (JobQueue.claim), moved here.

-- Makes the picked jobs (locked by the caller) running and returns them.
CREATE FUNCTION switchyard.claim_picked_jobs(p_picked bigint[], p_lease_ms integer, p_worker text)
RETURNS TABLE (id bigint, attempt integer, max_attempts integer, snoozes integer, route text, request text,
               options text, deadline_ms bigint)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    UPDATE switchyard.jobs j
    SET state = 'running', attempt = j.attempt + 1, worker_id = p_worker, attempted_at = now(),
        lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
    WHERE j.id = ANY (p_picked)
    RETURNING j.id, j.attempt, j.max_attempts, j.snoozes, j.route, j.request::text, j.options::text,
              (extract(epoch FROM j.deadline) * 1000)::bigint;
END
$$;

CREATE FUNCTION switchyard.claim_jobs(p_queue text, p_limit integer, p_lease_ms integer, p_worker text)
RETURNS TABLE (id bigint, attempt integer, max_attempts integer, snoozes integer, route text, request text,
               options text, deadline_ms bigint)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
BEGIN
    RETURN QUERY SELECT * FROM switchyard.claim_picked_jobs(ARRAY (
        SELECT s.id FROM switchyard.jobs s
        WHERE s.state = 'queued' AND s.queue = p_queue AND s.run_at <= now()
        ORDER BY s.priority DESC, s.run_at, s.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED), p_lease_ms, p_worker);
END
$$;

-- The jobs named (ids a NOTIFY carried), if still queued and runnable in p_queue, in claim order.
-- `state = (SELECT 'queued')` keeps the planner off the claim index, whose dead entries are what
-- a claim by id exists to skip: the picking reads the primary key.
CREATE FUNCTION switchyard.claim_jobs_by_id(
    p_queue text, p_limit integer, p_lease_ms integer, p_worker text, p_ids bigint[])
RETURNS TABLE (id bigint, attempt integer, max_attempts integer, snoozes integer, route text, request text,
               options text, deadline_ms bigint)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
BEGIN
    RETURN QUERY SELECT * FROM switchyard.claim_picked_jobs(ARRAY (
        SELECT s.id FROM switchyard.jobs s
        WHERE s.id = ANY (p_ids) AND s.state = (SELECT 'queued'::text) AND s.queue = p_queue AND s.run_at <= now()
        ORDER BY s.priority DESC, s.run_at, s.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED), p_lease_ms, p_worker);
END
$$;
