/// Parses durations given on the command line: a number with a unit, e.g. `90s`, `15m`, `1h`, `7d`.
enum DurationArgument {
    /// The duration in seconds.
    /// - Throws: `UsageError` naming `option` when `text` is not a positive number followed by s, m, h or d.
    static func seconds(_ text: String, option: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last, let scale = units[unit], let value = Double(text.dropLast()),
              value.isFinite, value > 0 else {
            throw UsageError("option '\(option)' expects a duration such as 30s, 15m, 1h or 7d, got '\(text)'")
        }
        return value * scale
    }
}
