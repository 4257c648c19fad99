import Postgres

/// The PostgreSQL job queue: enqueue, claim, heartbeat, complete, rescue, cancel and look up jobs
/// in `switchyard.jobs`. Every method is one or two statements; batches move as arrays.
public struct JobQueue: Sendable {
    /// NOTIFY channel: jobs were inserted or put back to `queued`. The payload names the jobs of
    /// an insert of up to 100 rows as comma-separated ids, else it is empty (see `jobIDs(payload:)`).
    public static let jobsChannel = "switchyard_jobs"
    /// NOTIFY channel: jobs reached a terminal state; the payload names them as comma-separated
    /// ids (completions and cancels) or is empty (re-check every waited-for job).
    public static let finishedChannel = "switchyard_finished"
    /// NOTIFY channel: a running job was asked to cancel (payload: its id); workers checkpoint early.
    public static let cancelChannel = "switchyard_cancel"

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }
}
