import Foundation
import Testing

@testable import Worker

@Suite("Ledger timestamps: RFC 3339 UTC, rounded to the millisecond")
struct LedgerWriterTimestampTests {
    @Test func formatsAndRounds() {
        #expect(LedgerWriter.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(LedgerWriter.timestamp(Date(timeIntervalSince1970: 1_800_000_000.1234)) == "2027-01-15T08:00:00.123Z")
        #expect(LedgerWriter.timestamp(Date(timeIntervalSince1970: 1_735_689_599.9996)) == "2025-01-01T00:00:00.000Z")
        #expect(LedgerWriter.timestamp(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
    }

    @Test func agreesWithFoundation() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for seconds in stride(from: 1_700_000_000.0, to: 1_900_000_000.0, by: 9_876_543.21) {
            let date = Date(timeIntervalSince1970: seconds)
            let text = LedgerWriter.timestamp(date)
            let parsed = try style.parse(text)
            #expect(abs(parsed.timeIntervalSince1970 - seconds) <= 0.0005 + 1e-6, "\(text)")
        }
    }
}
