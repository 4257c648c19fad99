import Foundation
import Gateway

/// `--log-level` and the JSON-lines logger of the long-running commands (serve, worker).
enum LogOptions {
    static let level = OptionSpec.value("--log-level", "LEVEL", "debug, info, warning or error (default info); logs are JSON lines on stderr")

    /// A logger writing JSON lines to stderr at the level `--log-level` asks for.
    /// - Throws: `UsageError` for an unknown level.
    static func logger(_ arguments: ParsedArguments) throws -> JSONLogger {
        let name = try arguments.choice("--log-level", JSONLogger.Level.allCases.map(\.name), default: "info")
        return JSONLogger.standardError(minimumLevel: JSONLogger.Level(name: name) ?? .info)
    }

    /// Whether prompt text may be logged: `--log-prompts`, or SWITCHYARD_LOG_PROMPTS=1.
    static func logPrompts(_ arguments: ParsedArguments) -> Bool {
        arguments.flag("--log-prompts") || ProcessInfo.processInfo.environment["SWITCHYARD_LOG_PROMPTS"] == "1"
    }
}
