-- The batch service asks "has batch B an unfinished request?" after every wave of completions;
-- with only jobs_batch_idx that reads every job of the batch. This index holds just the batch
-- jobs that are still queued or running, so the question costs one index probe, and jobs outside
-- batches (batch_id NULL) add no entries at all.
CREATE INDEX jobs_batch_unfinished_idx ON switchyard.jobs (batch_id)
    WHERE batch_id IS NOT NULL AND state IN ('queued', 'running');
