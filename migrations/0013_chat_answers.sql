-- What `/v1/chat/completions` reads of its finished jobs, several at once: serve gathers the
-- answers its waiters need while a read is in the database (ChatAnswer.Reader), one statement per
-- batch instead of one per request.
--
-- A function for the same reason as the lookups and claims (0010-0012): the statement is
-- prepared, and with `id = ANY (p_ids)` a generic plan made while `jobs` was small could read it
-- whole. With sequential and bitmap scans off, `jobs` is read by primary key and each job's newest
-- ledger row by `attempts_job_idx`; the generic plan is kept (`plan_cache_mode`).
CREATE FUNCTION switchyard.chat_answers(p_ids bigint[])
RETURNS TABLE (id bigint, state text, client_id bigint, route text, result text, error text,
               provider text, model text, outcome text, latency_ms double precision, calls bigint)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_bitmapscan = off SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT j.id, j.state, j.client_id, j.route, j.result::text, j.error::text,
           a.provider, a.model, a.outcome, a.latency_ms, coalesce(a.calls, 0)
    FROM switchyard.jobs j
    LEFT JOIN LATERAL (
        SELECT t.provider, t.model, t.outcome, t.latency_ms, count(*) OVER () AS calls
        FROM switchyard.attempts t WHERE t.job_id = j.id ORDER BY t.id DESC LIMIT 1
    ) a ON true
    WHERE j.id = ANY (p_ids);
END
$$;
