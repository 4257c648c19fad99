import Foundation
import Testing

@testable import Postgres

@Suite("Value text without a database")
struct PostgresValueTextTests {
    @Test("timestamps format as RFC 3339 UTC with microseconds", arguments: [
        (0.0, "1970-01-01T00:00:00.000000Z"),
        (1_795_316_645.5, "2026-11-22T03:04:05.500000Z"),
        (-0.000001, "1969-12-31T23:59:59.999999Z"),
        (951_782_400.000001, "2000-02-29T00:00:00.000001Z"),
        (253_402_300_799.0, "9999-12-31T23:59:59.000000Z"),
    ])
    func formats(seconds: Double, text: String) {
        #expect(Date(timeIntervalSince1970: seconds).postgresText == text)
    }

    @Test("PostgreSQL's timestamp output parses", arguments: [
        ("2026-11-22 03:04:05.5+00", 1_795_316_645.5),
        ("2026-11-22 03:04:05+01", 1_795_313_045.0),
        ("2026-11-22 03:04:05.123456-03:30", 1_795_316_645.123456 + 12_600),
        ("2026-11-22T03:04:05Z", 1_795_316_645.0),
        ("2026-11-22 03:04:05", 1_795_316_645.0),
        ("2026-11-22", 1_795_305_600.0),
        ("1969-12-31 23:59:59.999999+00", -0.000001),
    ])
    func parses(text: String, seconds: Double) throws {
        let date = try #require(PostgresTimestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_000_5)
    }

    @Test(arguments: ["", "yesterday", "2026-13", "2026-11-22 03:04", "2026-11-22 03:04:05+"])
    func rejects(text: String) {
        #expect(PostgresTimestamp.parse(text) == nil)
    }

    @Test func arrayLiteralsQuoteEverything() {
        #expect(["a", "b,c", "d\"e", "f\\g", "NULL"].postgresText == #"{"a","b,c","d\"e","f\\g","NULL"}"#)
        let withNull: [String?] = ["x", nil]
        #expect(withNull.postgresText == #"{"x",NULL}"#)
        #expect([Int64]().postgresText == "{}")
        #expect([1, 2].postgresText == #"{"1","2"}"#)
        #expect([true, false].postgresText == #"{"t","f"}"#)
    }

    @Test func arrayOutputDecodes() {
        #expect(PostgresArrayLiteral.decode(#"{a,"b c","d\"e",NULL,"NULL",""}"#) == ["a", "b c", "d\"e", nil, "NULL", ""])
        #expect(PostgresArrayLiteral.decode("{}") == [])
        #expect(PostgresArrayLiteral.decode("[0:1]={1,2}") == ["1", "2"])
        #expect(PostgresArrayLiteral.decode("{{1,2},{3,4}}") == nil)
        #expect(PostgresArrayLiteral.decode("not an array") == nil)
    }

    @Test func configurationPrefersExplicitURL() {
        #expect(PostgresConfiguration.fromEnvironment(explicit: "postgresql://x@h/db").url == "postgresql://x@h/db")
        #expect(PostgresConfiguration(url: "").url == nil)
    }
}
