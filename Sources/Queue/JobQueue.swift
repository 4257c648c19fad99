import Postgres

/// The PostgreSQL job queue: enqueue, claim, heartbeat, complete, rescue, cancel and look up jobs
/// in `switchyard.jobs`. Every method is one or two statements; batches move as arrays.
public struct JobQueue: Sendable {
    /// NOTIFY channel: jobs were inserted or put back to `queued` (payload empty).
    public static let jobsChannel = "switchyard_jobs"
    /// NOTIFY channel: jobs reached a terminal state (payload empty); waiting clients re-check.
    public static let finishedChannel = "switchyard_finished"
    /// NOTIFY channel: a running job was asked to cancel (payload: its id); workers checkpoint early.
    public static let cancelChannel = "switchyard_cancel"

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Plans the rest of the current transaction's statements for their actual parameters. A batch
    /// statement joining `unnest($1)` to jobs gets a generic plan after five runs of the cached
    /// prepared statement, and that plan (10 estimated input rows) loops over the input once per job.
    static func useCustomPlans(_ connection: PostgresConnection) throws {
        _ = try connection.query("SET LOCAL plan_cache_mode = force_custom_plan")
    }
}
