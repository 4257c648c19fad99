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

    /// Owner of the job (nil for jobs submitted without a client).
    var clientID: Int64?

    /// Jobs `$1` with their newest ledger rows (migration 0013).
    static let sql = "SELECT * FROM switchyard.chat_answers($1::bigint[])"

    /// Reads the answers concurrent requests wait for, a batch of jobs per statement (a
    /// `RequestBatcher`): under load, serve's waiters are woken together (one NOTIFY names the jobs
    /// of a completion batch) and would otherwise read their jobs one statement each.
    final class Reader: Sendable {
        private let batcher: RequestBatcher<Int64, Result<ChatAnswer?, any Error>>

        init(client: PostgresClient) {
            batcher = RequestBatcher { ids in
                do {
                    let rows = try await client.query(ChatAnswer.sql, [ids])
                    var answers: [Int64: ChatAnswer] = [:]
                    for row in rows {
                        if let answer = ChatAnswer(row: row) { answers[answer.id] = answer }
                    }
                    return ids.map { .success(answers[$0]) }
                } catch {
                    return ids.map { _ in .failure(error) }
                }
            }
        }

        /// Job `id` if it exists and belongs to `clientID`; nil otherwise.
        func read(id: Int64, clientID: Int64) async throws -> ChatAnswer? {
            guard let answer = try await batcher.submit(id).get(), answer.clientID == clientID else { return nil }
            return answer
        }
    }

    private init?(row: PostgresRow) {
        guard let id = row.int64("id"), let state = row.string("state").flatMap(JobState.init) else { return nil }
        self.id = id
        self.state = state
        route = row.string("route") ?? ""
        result = row.string("result")
        error = row.string("error")
        provider = row.string("provider")
        model = row.string("model")
        outcome = row.string("outcome")
        latencyMs = row.double("latency_ms")
        calls = row.int("calls") ?? 0
        clientID = row.int64("client_id")
    }
}
