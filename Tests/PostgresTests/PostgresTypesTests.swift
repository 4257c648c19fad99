import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Values bound and read back")
struct PostgresTypesTests {
    let client: PostgresClient

    /// One database for the suite: these tests only read, except `resultShape`, which owns its table.
    static let database = Task { try await TestDatabase.create("PostgresTypesTests") }

    init() async throws {
        client = TestDatabase.client(try await Self.database.value, maxConnections: 2)
    }

    @Test("integers", arguments: [Int64.min, -1, 0, 1, 42, Int64.max])
    func integers(value: Int64) async throws {
        let row = try await client.query("SELECT $1::bigint AS v, $2::int AS small", [value, Int32(7)])[0]
        #expect(row.int64("v") == value)
        #expect(row.int32("small") == 7)
        #expect(row.int("small") == 7)
    }

    @Test("doubles", arguments: [0.0, -1.5, 1e-300, 123_456.789, .pi, .infinity, -.infinity, Double.greatestFiniteMagnitude])
    func doubles(value: Double) async throws {
        let row = try await client.query("SELECT $1::float8 AS v", [value])[0]
        #expect(row.double("v") == value)
    }

    @Test func notANumber() async throws {
        let row = try await client.query("SELECT $1::float8 AS v", [Double.nan])[0]
        #expect(row.double("v")?.isNaN == true)
    }

    @Test func booleans() async throws {
        let row = try await client.query("SELECT $1::bool AS t, $2::bool AS f", [true, false])[0]
        #expect(row.bool("t") == true)
        #expect(row.bool("f") == false)
    }

    @Test("text", arguments: ["", "plain", "it's \"quoted\"", "back\\slash", "ünïcødé ✓ 日本語 🚀", "{a,b}", "NULL", " spaced ", "line\nbreak\ttab"])
    func text(value: String) async throws {
        let row = try await client.query("SELECT $1::text AS v, length($1::text) AS n", [value])[0]
        #expect(row.string("v") == value)
        #expect(row.int("n") == value.count)
    }

    @Test func nullsBindAndRead() async throws {
        let missing: String? = nil
        let row = try await client.query("SELECT $1::text AS v, $2::int AS w, NULL::bool AS b", [missing, nil])[0]
        #expect(row["v"] == nil)
        #expect(row.isNull("w"))
        #expect(row.bool("b") == nil)
        #expect(row["no such column"] == nil)
    }

    @Test func textWithNulByteIsRefused() async throws {
        let error = await #expect(throws: PostgresError.self) {
            try await client.query("SELECT $1::text", ["a\u{0}b"])
        }
        #expect(error?.code == .invalidParameter)
    }

    @Test func stringArrays() async throws {
        let values = ["plain", "with,comma", "with \"quotes\"", "back\\slash", "NULL", "null", "", "{braces}", " space ", "ünï"]
        let row = try await client.query("SELECT $1::text[] AS v, cardinality($1::text[]) AS n", [values])[0]
        #expect(row.stringArray("v") == values)
        #expect(row.int("n") == values.count)
    }

    @Test func arraysWithNullElements() async throws {
        let values: [String?] = ["a", nil, "NULL"]
        let row = try await client.query("SELECT $1::text[] AS v, array_position($1::text[], NULL) AS p", [values])[0]
        #expect(row.array("v") == values)
        #expect(row.int("p") == 2)
        #expect(row.stringArray("v") == nil)
    }

    @Test func numericAndBoolArrays() async throws {
        let row = try await client.query(
            "SELECT $1::bigint[] AS a, $2::int[] AS b, $3::float8[] AS c, $4::bool[] AS d, '{}'::int[] AS e",
            [[Int64.max, -3, 0] as [Int64], [1, 2, 3] as [Int], [1.5, -0.25] as [Double], [true, false] as [Bool]])[0]
        #expect(row.int64Array("a") == [Int64.max, -3, 0])
        #expect(row.int64Array("b") == [1, 2, 3])
        #expect(row.doubleArray("c") == [1.5, -0.25])
        #expect(row.boolArray("d") == [true, false])
        #expect(row.int64Array("e") == [])
    }

    @Test func jsonb() async throws {
        let json = #"{"name": "it's \"x\"", "n": [1, 2.5, null], "ü": true}"#
        let row = try await client.query(
            "SELECT $1::jsonb AS v, $1::jsonb->>'name' AS name, jsonb_typeof($1::jsonb->'n') AS kind", [PostgresJSON(json)])[0]
        #expect(row.string("name") == #"it's "x""#)
        #expect(row.string("kind") == "array")
        let decoded = try JSONSerialization.jsonObject(with: Data(row.bytes("v") ?? [])) as? [String: Any]
        #expect(decoded?["ü"] as? Bool == true)
        let fromBytes = PostgresJSON(bytes: Array(#"{"a":1}"#.utf8))
        #expect(try await client.query("SELECT ($1::jsonb->>'a')::int AS a", [fromBytes])[0].int("a") == 1)
    }

    @Test("timestamptz", arguments: [0.0, 1_795_000_000.123456, -86_400.5, 4_102_444_800.000001])
    func timestamps(seconds: Double) async throws {
        let date = Date(timeIntervalSince1970: seconds)
        let row = try await client.query("SELECT $1::timestamptz AS v, extract(epoch FROM $1::timestamptz)::float8 AS e", [date])[0]
        let read = try #require(row.date("v"))
        #expect(abs(read.timeIntervalSince1970 - seconds) < 0.000_001)
        #expect(abs((row.double("e") ?? 0) - seconds) < 0.000_001)
    }

    @Test func timestampsInOtherZonesAndDates() async throws {
        let row = try await client.query(
            """
            SELECT '2026-11-22 03:04:05.5+05:30'::timestamptz AS a, '2026-11-22'::date AS d,
                   'infinity'::timestamptz AS inf, now() AS now
            """)[0]
        #expect(row.date("a") == Date(timeIntervalSince1970: 1_795_316_645.5 - 5.5 * 3600))
        #expect(row.date("d") == Date(timeIntervalSince1970: 1_795_305_600))
        #expect(row.date("inf") == .distantFuture)
        #expect(abs(row.date("now")!.timeIntervalSinceNow) < 60)
    }

    @Test func resultShape() async throws {
        try await client.execute(unsafeSQL: "CREATE TABLE shape (id int PRIMARY KEY, name text)")
        let inserted = try await client.query("INSERT INTO shape VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        #expect(inserted.affectedRows == 3)
        #expect(inserted.isEmpty)
        let selected = try await client.query("SELECT id, name FROM shape WHERE id >= $1 ORDER BY id", [2])
        #expect(selected.columns == ["id", "name"])
        #expect(selected.count == 2)
        #expect(selected.map { $0.string("name") } == ["b", "c"])
        #expect(selected[1][0] == "3")
        let updated = try await client.query("UPDATE shape SET name = upper(name) WHERE id < $1", [3])
        #expect(updated.affectedRows == 2)
    }
}
