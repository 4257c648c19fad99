import Foundation
import Providers
import Testing

@testable import Worker

@Suite("JSONRecordWriter: the ledger's rows as one JSON array")
struct JSONRecordWriterTests {
    @Test func writesValidJSONWithEscapesNumbersAndAbsentMembers() throws {
        var writer = JSONRecordWriter()
        #expect(writer.isEmpty)
        #expect(writer.finished() == Array("[]".utf8))
        writer.beginRecord()
        writer.add("text", "a \"quoted\" \\ line\nnext\u{1}")
        writer.add("missing", nil as String?)
        writer.add("count", 42)
        writer.add("ratio", 0.25)
        writer.add("flag", true)
        writer.add("raw", json: #"{"nested":[1,2]}"#)
        writer.beginRecord()
        writer.add("count", -7 as Int32)
        writer.add("whole", 3.0)
        writer.add("none", nil as Int?)
        let parsed = try JSONValue.parse(writer.finished())
        #expect(parsed == .array([
            .object([
                "text": .string("a \"quoted\" \\ line\nnext\u{1}"), "count": .int(42), "ratio": .double(0.25),
                "flag": .bool(true), "raw": .object(["nested": .array([.int(1), .int(2)])]),
            ]),
            .object(["count": .int(-7), "whole": .int(3)]),
        ]))
    }

    @Test func aUsageRowCarriesEveryColumnItHas() throws {
        var usage = UsageRecord(outcome: "ok", startedAt: Date(timeIntervalSince1970: 1_800_000_000))
        usage.route = "chat"
        usage.deployment = "gpt-4o"
        usage.httpStatus = 200
        usage.latencyMs = 12.5
        usage.promptTokens = 3
        usage.error = "none \"really\""
        var writer = JSONRecordWriter()
        usage.write(into: &writer, jobID: 9, attempt: 2, workerID: "w1")
        let row = try JSONValue.parse(writer.finished())
        guard case .array(let rows) = row, let first = rows.first else {
            Issue.record("not an array: \(row)")
            return
        }
        #expect(first["job_id"] == .int(9))
        #expect(first["attempt"] == .int(2))
        #expect(first["route"] == .string("chat"))
        #expect(first["outcome"] == .string("ok"))
        #expect(first["http_status"] == .int(200))
        #expect(first["started_at"] == .string("2027-01-15T08:00:00.000Z"))
        #expect(first["latency_ms"] == .double(12.5))
        #expect(first["prompt_tokens"] == .int(3))
        #expect(first["failover"] == .bool(false))
        #expect(first["worker_id"] == .string("w1"))
        #expect(first["error"] == .string("none \"really\""))
        #expect(first["region"] == nil)
        #expect(first["ttfb_ms"] == nil)
    }
}
