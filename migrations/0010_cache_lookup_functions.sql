-- The cache lookup as two functions whose plans cannot read the whole cache.
--
-- Workers run the lookup as a prepared statement, and PostgreSQL caches a generic plan for it
-- after five runs, planned for the cache as it was then. A worker that started on an empty or
-- small cache (a new database, a cleared cache, a benchmark) got a hash join over a sequential
-- scan of the cache and kept it while the cache grew: every lookup read every row (measured with
-- `switchyard bench api`: 1,062 lookups read 2 million cache rows in 5 s, 1.9 ms per lookup of 6
-- keys), until autovacuum happened to analyse the table. Inside these functions sequential and
-- bitmap scans are off (the SET clauses hold while the function runs, its planning included), so
-- the only plan left reads the cache by primary key, one probe per key, however the table's size
-- was estimated; PL/pgSQL still caches that plan per connection.
--
-- Both claim the single-flight markers through `cache_claim`. The statements are those the worker
-- sent before (CacheLookupBatcher), moved here.

-- The single-flight markers for p_keys (distinct; p_models the models they belong to): a new row,
-- or one whose marker went stale or whose answer expired, becomes 'pending' until p_pending_ms from
-- now. Returns the keys taken. Claimed in key order: one lock order between workers.
CREATE FUNCTION switchyard.cache_claim(p_keys text[], p_models text[], p_pending_ms integer)
RETURNS TABLE (key text)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    INSERT INTO switchyard.cache AS c (key, model, state, pending_until, created_at, expires_at)
    SELECT i.key, i.model, 'pending', now() + p_pending_ms * interval '1 millisecond', now(),
           now() + p_pending_ms * interval '1 millisecond'
    FROM unnest(p_keys, p_models) AS i(key, model) ORDER BY i.key
    ON CONFLICT (key) DO UPDATE SET state = 'pending', response = NULL, pending_until = EXCLUDED.pending_until,
        expires_at = EXCLUDED.expires_at
    WHERE (c.state = 'pending' AND c.pending_until < now()) OR (c.state = 'ready' AND c.expires_at <= now())
    RETURNING c.key;
END
$$;

-- Every lookup of the batch one key (single-deployment routes): the claim's ON CONFLICT condition
-- decides. One row per (distinct) key: claimed by this call, or the fresh answer found, or neither
-- (someone else's live marker). The final read of the cache does not see the markers just taken
-- (a statement sees the cache as it was when it began) and skips their keys anyway.
CREATE FUNCTION switchyard.cache_lookup(p_keys text[], p_models text[], p_pending_ms integer)
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
    LEFT JOIN switchyard.cache c ON c.key = i.key AND t.key IS NULL;
END
$$;

-- Lookups of several keys each (one per model a route could answer with, the chosen one's first):
-- one input row per (group, key). `seen` finds groups with a fresh answer or a live marker under
-- any key; the primary keys of the other groups that may claim (`p_claims`) are claimed.
CREATE FUNCTION switchyard.cache_lookup_groups(
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
        SELECT i.grp FROM input i JOIN switchyard.cache c ON c.key = i.key
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
    LEFT JOIN switchyard.cache c ON c.key = k.key AND t.key IS NULL;
END
$$;
