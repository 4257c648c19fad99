import Postgres

/// A test-only trigger on `switchyard.jobs` that records every write making a job terminal, and
/// every write to a job that was terminal already (which must never happen).
public enum TerminalWriteLedger {
    public static func install(_ client: PostgresClient) async throws {
        try await client.execute(unsafeSQL: """
            CREATE TABLE public.terminal_writes (job_id bigint NOT NULL, state text NOT NULL, overwrite boolean NOT NULL);
            CREATE FUNCTION public.record_terminal_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.state IN ('succeeded', 'failed', 'cancelled') THEN
                    INSERT INTO public.terminal_writes VALUES (NEW.id, NEW.state, true);
                ELSIF NEW.state IN ('succeeded', 'failed', 'cancelled') THEN
                    INSERT INTO public.terminal_writes VALUES (NEW.id, NEW.state, false);
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER record_terminal_write AFTER UPDATE ON switchyard.jobs
                FOR EACH ROW EXECUTE FUNCTION public.record_terminal_write();
            """)
    }

    /// Jobs with exactly one terminal write, jobs with more than one, and writes to terminal jobs.
    public static func counts(_ client: PostgresClient) async throws -> (once: Int, more: Int, overwrites: Int) {
        let rows = try await client.query("""
            SELECT (SELECT count(*) FROM (SELECT job_id FROM public.terminal_writes WHERE NOT overwrite
                                          GROUP BY job_id HAVING count(*) = 1) a),
                   (SELECT count(*) FROM (SELECT job_id FROM public.terminal_writes WHERE NOT overwrite
                                          GROUP BY job_id HAVING count(*) > 1) b),
                   (SELECT count(*) FROM public.terminal_writes WHERE overwrite)
            """)
        let row = rows.first
        return (Int(row?[0] ?? "") ?? -1, Int(row?[1] ?? "") ?? -1, Int(row?[2] ?? "") ?? -1)
    }
}
