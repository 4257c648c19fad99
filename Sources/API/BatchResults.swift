import Foundation
import Postgres
import Providers

/// One exported row per request of a batch (`switchyard results`): for a `docs` batch the file
/// name, else the request's `custom_id`; the job's state; the model that answered; tokens and
/// cost from the usage ledger (from the result's `usage` when the job made no provider call, as
/// with the echo executor); the answer text, or the error for a request that did not succeed.
public struct BatchResults: Sendable {
    public struct Row: Sendable, Equatable {
        public var jobID: Int64
        public var file: String
        public var status: String
        public var model: String?
        public var promptTokens: Int
        public var completionTokens: Int
        public var costUSD: Double
        public var answer: String?
        public var error: String?
    }

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Rows of batch `batchID` in input order, `limit` at a time after job id `after`.
    public func rows(batchID: Int64, after: Int64 = 0, limit: Int = 1_000) async throws -> [Row] {
        let rows = try await client.query(
            """
            SELECT j.id, coalesce(j.custom_id, '') AS file, j.state,
                   coalesce(j.result->>'model', a.model) AS model,
                   CASE WHEN a.calls > 0 THEN a.prompt_tokens
                        ELSE coalesce((j.result->'usage'->>'prompt_tokens')::bigint, 0) END AS prompt_tokens,
                   CASE WHEN a.calls > 0 THEN a.completion_tokens
                        ELSE coalesce((j.result->'usage'->>'completion_tokens')::bigint, 0) END AS completion_tokens,
                   coalesce(a.cost_usd, 0) AS cost_usd,
                   j.result->'choices'->0->'message'->>'content' AS answer,
                   CASE WHEN j.error IS NOT NULL THEN
                       concat_ws(': ', j.error->>'code', j.error->>'message') ||
                       coalesce(' (' || (j.error->>'detail') || ')', '') END AS error
            FROM switchyard.jobs j
            LEFT JOIN LATERAL (
                SELECT count(*) AS calls, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                       sum(cost_usd) AS cost_usd, (array_agg(model ORDER BY id DESC))[1] AS model
                FROM switchyard.attempts WHERE job_id = j.id
            ) a ON true
            WHERE j.batch_id = $1 AND j.id > $2
            ORDER BY j.id LIMIT $3
            """, [batchID, after, limit])
        return rows.compactMap { row in
            guard let id = row.int64("id") else { return nil }
            return Row(jobID: id, file: row.string("file") ?? "", status: row.string("state") ?? "",
                       model: row.string("model"), promptTokens: row.int("prompt_tokens") ?? 0,
                       completionTokens: row.int("completion_tokens") ?? 0, costUSD: row.double("cost_usd") ?? 0,
                       answer: row.string("answer"), error: row.string("error"))
        }
    }

    /// Every row of batch `batchID`, a page at a time, passed to `body` in input order.
    public func forEachRow(batchID: Int64, _ body: ([Row]) throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await rows(batchID: batchID, after: after)
            if page.isEmpty { return }
            try body(page)
            after = page.last!.jobID
        }
    }

    /// The CSV header matching ``csv(_:)``.
    public static let csvHeader = "file,status,model,prompt_tokens,completion_tokens,total_tokens,cost_usd,answer,error"

    /// One CSV record (RFC 4180: fields with commas, quotes or line breaks are quoted).
    public static func csv(_ row: Row) -> String {
        [row.file, row.status, row.model ?? "", String(row.promptTokens), String(row.completionTokens),
         String(row.promptTokens + row.completionTokens), cost(row.costUSD), row.answer ?? "", row.error ?? ""]
            .map(csvField).joined(separator: ",")
    }

    /// One JSON object (one JSONL line, without the newline), members in the CSV's order.
    public static func json(_ row: Row) -> String {
        let members: [(String, JSONValue)] = [
            ("file", .string(row.file)), ("status", .string(row.status)), ("model", row.model.map(JSONValue.string) ?? .null),
            ("prompt_tokens", .int(row.promptTokens)), ("completion_tokens", .int(row.completionTokens)),
            ("total_tokens", .int(row.promptTokens + row.completionTokens)), ("cost_usd", .double(row.costUSD)),
            ("answer", row.answer.map(JSONValue.string) ?? .null), ("error", row.error.map(JSONValue.string) ?? .null),
            ("job_id", .string(String(row.jobID))),
        ]
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.string(key).write(into: &out)
            out.append(UInt8(ascii: ":"))
            value.write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func csvField(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Up to 10 decimals, without trailing zeros (`0.000105`, `0`).
    static func cost(_ value: Double) -> String {
        var text = String(format: "%.10f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
