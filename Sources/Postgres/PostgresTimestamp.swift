import Foundation

/// Timestamp text without Foundation's formatters (they cost microseconds per call on the hot path).
enum PostgresTimestamp {
    /// RFC 3339, UTC, microseconds: `2026-11-22T01:52:06.123456Z` (years before 1 get PostgreSQL's ` BC`).
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: Int(days))
        let bc = year <= 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        append(&bytes, bc ? 1 - year : year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        append(&bytes, month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(&bytes, day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        append(&bytes, Int(secondOfDay / 3600), width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(&bytes, Int(secondOfDay / 60 % 60), width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(&bytes, Int(secondOfDay % 60), width: 2)
        bytes.append(UInt8(ascii: "."))
        append(&bytes, Int(fraction), width: 6)
        bytes.append(UInt8(ascii: "Z"))
        if bc { bytes.append(contentsOf: " BC".utf8) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses PostgreSQL's ISO output for `timestamptz`, `timestamp` (read as UTC) and `date`
    /// (midnight UTC): `2026-11-22 01:52:06.123456+00`, `...+05:30`, `2026-11-22`, `infinity`.
    static func parse(_ text: String) -> Date? {
        var utf8 = text.utf8[...]
        if utf8.elementsEqual("infinity".utf8) { return .distantFuture }
        if utf8.elementsEqual("-infinity".utf8) { return .distantPast }
        var bc = false
        if utf8.count > 3, utf8.suffix(3).elementsEqual(" BC".utf8) {
            bc = true
            utf8 = utf8.dropLast(3)
        }
        var scanner = Scanner(bytes: Array(utf8))
        guard var year = scanner.number(), scanner.skip("-"),
            let month = scanner.number(digits: 2), scanner.skip("-"),
            let day = scanner.number(digits: 2)
        else { return nil }
        if bc { year = 1 - year }
        var seconds = Int64(days(fromCivil: year, month, day)) * 86_400
        var fraction = 0.0
        if !scanner.atEnd {
            guard scanner.skip(" ") || scanner.skip("T"),
                let hour = scanner.number(digits: 2), scanner.skip(":"),
                let minute = scanner.number(digits: 2), scanner.skip(":"),
                let second = scanner.number(digits: 2)
            else { return nil }
            seconds += Int64(hour * 3600 + minute * 60 + second)
            if scanner.skip(".") {
                var scale = 0.1
                while let digit = scanner.digit() {
                    fraction += Double(digit) * scale
                    scale /= 10
                }
            }
            if !scanner.atEnd {
                if scanner.skip("Z") {
                } else {
                    let sign: Int64
                    if scanner.skip("+") { sign = 1 } else if scanner.skip("-") { sign = -1 } else { return nil }
                    guard let offsetHours = scanner.number(digits: 2) else { return nil }
                    var offset = offsetHours * 3600
                    if scanner.skip(":") {
                        guard let offsetMinutes = scanner.number(digits: 2) else { return nil }
                        offset += offsetMinutes * 60
                        if scanner.skip(":") {
                            guard let offsetSeconds = scanner.number(digits: 2) else { return nil }
                            offset += offsetSeconds
                        }
                    }
                    seconds -= sign * Int64(offset)
                }
            }
        }
        guard scanner.atEnd else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
            index += 1
            return Int(bytes[index - 1] - 48)
        }

        /// Exactly `digits` digits, or (nil) as many as there are, at least one.
        mutating func number(digits: Int? = nil) -> Int? {
            var value = 0
            var count = 0
            while digits == nil || count < digits! {
                guard let digit = digit() else { break }
                value = value * 10 + digit
                count += 1
            }
            if count == 0 || (digits != nil && count != digits!) { return nil }
            return value
        }
    }

    private static func append(_ bytes: inout [UInt8], _ value: Int, width: Int) {
        var digits: [UInt8] = []
        var remaining = value
        repeat {
            digits.append(UInt8(48 + remaining % 10))
            remaining /= 10
        } while remaining > 0
        for _ in digits.count..<max(width, digits.count) { bytes.append(48) }
        bytes.append(contentsOf: digits.reversed())
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
