-- The cache lookups read only the keys they look up, whatever join their plan uses; the claims
-- keep one plan instead of planning each call anew.
--
-- 0010 turned sequential and bitmap scans off inside the lookups, which removed the sequential
-- scan of the cache from their plans but not the whole-table read: a plan made while the cache
-- was small joined the looked-up keys to it by a merge or hash join over a full scan of the
-- cache's primary key, and kept doing so as the cache grew (found with auto_explain under
-- `switchyard bench api`: 252 of 253 lookups slower than 4 ms walked all of cache_pkey; the plan
-- test now counts rows read, not sequential scans, and read 10,047 rows for two lookups of six
-- keys). Each join to the cache now also says `c.key = ANY (p_keys)`: a condition on the cache
-- alone, which every plan applies as the index condition of its scan of the cache, so a lookup
-- reads its keys and nothing else — as the completion's `id = ANY (batch ids)` does for `jobs`.
--
-- The claims' UPDATE (`claim_picked_jobs`) was planned anew on 957 of 1,233 calls in the same run:
-- a custom plan for a short array costs less than the generic plan's estimate for an array of
-- unknown length, so PostgreSQL kept choosing custom plans. Inside these functions the generic plan
-- is the index plan (sequential and bitmap scans are off), so the claims now keep it.

CREATE OR REPLACE FUNCTION switchyard.cache_lookup(p_keys text[], p_models text[], p_pending_ms integer)
RETURNS TABLE (key text, claimed boolean, response text, model text)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH taken AS (
        SELECT t.key FROM switchyard.cache_claim(p_keys, p_models, p_pending_ms) AS t
    )
    SELECT i.key, t.key IS NOT NULL,
           CASE WHEN t.key IS NULL AND c.state = 'ready' AND c.expires_at > now() THEN c.response::text END,
           c.model
    FROM unnest(p_keys) AS i(key)
    LEFT JOIN taken t ON t.key = i.key
    LEFT JOIN switchyard.cache c ON c.key = i.key AND c.key = ANY (p_keys) AND t.key IS NULL;
END
$$;

CREATE OR REPLACE FUNCTION switchyard.cache_lookup_groups(
    p_groups integer[], p_keys text[], p_models text[], p_claims boolean[], p_pending_ms integer)
RETURNS TABLE (key text, claimed boolean, response text, model text)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH input AS (
        SELECT * FROM unnest(p_groups, p_keys, p_models, p_claims) AS i(grp, key, model, claims)
    ), seen AS (
        SELECT i.grp FROM input i JOIN switchyard.cache c ON c.key = i.key AND c.key = ANY (p_keys)
        WHERE (c.state = 'ready' AND c.expires_at > now()) OR (c.state = 'pending' AND c.pending_until >= now())
        GROUP BY i.grp
    ), wanted AS (
        SELECT DISTINCT ON (i.key) i.key, i.model FROM input i
        WHERE i.claims AND NOT EXISTS (SELECT 1 FROM seen s WHERE s.grp = i.grp)
        ORDER BY i.key
    ), taken AS (
        SELECT t.key FROM switchyard.cache_claim(
            ARRAY (SELECT w.key FROM wanted w ORDER BY w.key), ARRAY (SELECT w.model FROM wanted w ORDER BY w.key),
            p_pending_ms) AS t
    )
    SELECT k.key, t.key IS NOT NULL,
           CASE WHEN t.key IS NULL AND c.state = 'ready' AND c.expires_at > now() THEN c.response::text END,
           c.model
    FROM (SELECT DISTINCT i.key FROM input i) k
    LEFT JOIN taken t ON t.key = k.key
    LEFT JOIN switchyard.cache c ON c.key = k.key AND c.key = ANY (p_keys) AND t.key IS NULL;
END
$$;

ALTER FUNCTION switchyard.claim_picked_jobs(bigint[], integer, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION switchyard.claim_jobs(text, integer, integer, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION switchyard.claim_jobs_by_id(text, integer, integer, text, bigint[]) SET plan_cache_mode = force_generic_plan;
