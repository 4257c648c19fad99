-- Wake-ups name the jobs a small insert created (comma-separated ids; empty for more than 100
-- rows), so an idle worker claims exactly those by primary key instead of scanning the claim
-- index, which after a busy spell holds the dead entries of every job claimed since the last
-- vacuum. An insert of no rows (an idempotent repeat) wakes nobody.
CREATE OR REPLACE FUNCTION switchyard.notify_jobs_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    ids text;
BEGIN
    SELECT count(*), string_agg(id::text, ',') INTO n, ids FROM (SELECT id FROM inserted LIMIT 101) AS s;
    IF n > 0 THEN
        PERFORM pg_notify('switchyard_jobs', CASE WHEN n <= 100 THEN ids ELSE '' END);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER jobs_notify_inserted ON switchyard.jobs;
CREATE TRIGGER jobs_notify_inserted
    AFTER INSERT ON switchyard.jobs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard.notify_jobs_inserted();
