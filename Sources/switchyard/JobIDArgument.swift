/// Job ids on the command line: positive integers (JSON shows them as strings).
enum JobIDArgument {
    static func parse(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw UsageError("'\(text)' is not a job id") }
        return id
    }

    static func parseAll(_ texts: [String], command: String) throws -> [Int64] {
        if texts.isEmpty { throw UsageError("'switchyard \(command)' needs at least one job id") }
        return try texts.map(parse)
    }
}
