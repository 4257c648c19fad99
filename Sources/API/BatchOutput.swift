import Postgres
import Providers
import Queue

/// The output and error files of a finalized Batch API batch, one JSON line per request in the
/// OpenAI batch output format:
/// `{"id": "batch_req_<job>", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}`.
///
/// Succeeded requests go to the output file with status 200 and the job's `chat.completion` as
/// body. Failed requests go to the error file with the status `/v1/chat/completions` would have
/// answered and an OpenAI error body; requests that never ran to the end (cancelled, expired,
/// still unfinished) go there with `response: null` and an `error` naming why. `request_id` is the
/// job id (`GET /v1/jobs/{id}` shows the job). Lines are in input order.
enum BatchOutput {
    /// The output file would be over the limit.
    struct TooLarge: Error {
        var bytes: Int
    }

    /// Writes the files of batch `batchID` on `connection` (inside the finalizing transaction).
    /// - Returns: the ids of the files written; `nil` for a file that would be empty.
    /// - Throws: ``TooLarge`` (before writing anything) when the output would exceed `maxOutputBytes`.
    static func write(batchID: Int64, clientID: Int64?, final: BatchStatus, maxOutputBytes: Int,
                      on connection: PostgresConnection) throws -> (output: Int64?, error: Int64?) {
        let estimate = try connection.query(
            """
            SELECT coalesce(sum(octet_length(result::text) + octet_length(coalesce(custom_id, '')) + 120), 0) AS bytes
            FROM switchyard.jobs WHERE batch_id = $1 AND state = 'succeeded'
            """, [batchID]).first?.int("bytes") ?? 0
        if estimate > maxOutputBytes { throw TooLarge(bytes: estimate) }
        // The output can be large: it is built in PostgreSQL, without a round trip through Swift.
        // json_build_object keeps the members in the order written.
        let output = try connection.query(
            """
            WITH content AS (
                SELECT string_agg(json_build_object(
                           'id', 'batch_req_' || j.id, 'custom_id', j.custom_id,
                           'response', json_build_object('status_code', 200, 'request_id', j.id::text, 'body', j.result),
                           'error', NULL)::text, E'\\n' ORDER BY j.id) || E'\\n' AS text
                FROM switchyard.jobs j WHERE j.batch_id = $1 AND j.state = 'succeeded'
            )
            INSERT INTO switchyard.files (client_id, purpose, filename, bytes, content)
            SELECT $2, 'batch_output', $3, octet_length(text), convert_to(text, 'UTF8') FROM content WHERE text IS NOT NULL
            RETURNING id
            """, [batchID, clientID, "batch_\(batchID)_output.jsonl"]).first?.int64("id")

        var lines: [UInt8] = []
        var after: Int64 = 0
        while true {
            let rows = try connection.query(
                """
                SELECT id, custom_id, state, error::text AS error FROM switchyard.jobs
                WHERE batch_id = $1 AND state <> 'succeeded' AND id > $2 ORDER BY id LIMIT 1000
                """, [batchID, after])
            for row in rows {
                guard let id = row.int64("id"), let state = row.string("state").flatMap(JobState.init) else { continue }
                after = id
                errorLine(id: id, customID: row.string("custom_id"), state: state, error: row.string("error"), final: final)
                    .write(into: &lines)
                lines.append(10)
            }
            if rows.count < 1000 { break }
        }
        guard !lines.isEmpty else { return (output, nil) }
        let error = try connection.query(
            """
            INSERT INTO switchyard.files (client_id, purpose, filename, bytes, content)
            VALUES ($1, 'batch_error', $2, octet_length($3::text), convert_to($3::text, 'UTF8'))
            RETURNING id
            """, [clientID, "batch_\(batchID)_error.jsonl", String(decoding: lines, as: UTF8.self)]).first?.int64("id")
        return (output, error)
    }

    /// The error-file line of a request that did not succeed.
    static func errorLine(id: Int64, customID: String?, state: JobState, error: String?, final: BatchStatus) -> JSONValue {
        var line: [String: JSONValue] = [
            "id": .string("batch_req_\(id)"), "custom_id": customID.map(JSONValue.string) ?? .null,
            "response": .null, "error": .null,
        ]
        switch state {
        case .failed:
            let failure = GatewayAPI.failure(id: id, state: state, error: error)
            line["response"] = [
                "status_code": .int(failure.status), "request_id": .string(String(id)),
                "body": ["error": ["message": .string(failure.message), "type": .string(failure.type),
                                   "code": failure.code.map(JSONValue.string) ?? .null, "param": .null]],
            ]
        case .cancelled:
            let reason = error.flatMap { JobError(json: $0) } ?? JobError.cancelled
            line["error"] = ["code": .string(reason.code), "message": .string(reason.message)]
        case .queued, .running, .succeeded:
            // Still unfinished when the batch ended (cancel grace period over, or expired).
            let reason = final == .expired ? BatchService.expiredError : BatchService.cancelledError
            line["error"] = ["code": .string(reason.code), "message": .string(reason.message)]
        }
        return .object(line)
    }
}
