import Postgres
import Queue

/// What `/v1/chat/completions` needs of its job once it may have finished: the state, the result or
/// error, and the last ledger row for the `x-switchyard-*` headers — read in one query.
struct ChatAnswer: Sendable {
    var id: Int64
    var state: JobState
    var route: String
    var result: String?
    var error: String?
    /// From the newest usage row; nil when the job has none (the echo executor writes none).
    var provider: String?
    var model: String?
    var outcome: String?
    var latencyMs: Double?
    /// Usage rows (provider calls and cache hits) of the job.
    var calls: Int

    static let sql = """
        SELECT j.state, j.client_id, j.route, j.result, j.error,
               a.provider, a.model, a.outcome, a.latency_ms, coalesce(a.calls, 0) AS calls
        FROM switchyard.jobs j
        LEFT JOIN LATERAL (
            SELECT provider, model, outcome, latency_ms, count(*) OVER () AS calls
            FROM switchyard.attempts WHERE job_id = j.id ORDER BY id DESC LIMIT 1
        ) a ON true
        WHERE j.id = $1
        """

    /// Job `id` if it exists and belongs to `clientID`; nil otherwise.
    static func read(id: Int64, clientID: Int64, on client: PostgresClient) async throws -> ChatAnswer? {
        let rows = try await client.query(sql, [id])
        guard let row = rows.first, row.int64("client_id") == clientID,
              let state = row.string("state").flatMap(JobState.init) else { return nil }
        return ChatAnswer(
            id: id, state: state, route: row.string("route") ?? "", result: row.string("result"), error: row.string("error"),
            provider: row.string("provider"), model: row.string("model"), outcome: row.string("outcome"),
            latencyMs: row.double("latency_ms"), calls: row.int("calls") ?? 0)
    }
}
