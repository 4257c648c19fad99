import Foundation
import Gateway
import Postgres

enum ConfigApplyCommand: Command {
    static let spec = CommandSpec(
        name: "config apply", summary: "Validate a gateway config file and make it the one workers use",
        arguments: "FILE",
        options: [.databaseURL, .flag("--check", "Only validate; store nothing")],
        discussion: "Errors name the JSON path and what was expected; nothing is stored when any is found. Workers pick up the new config without a restart (NOTIFY switchyard_config).")

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        guard arguments.positionals.count == 1 else { throw UsageError("'switchyard config apply' takes exactly one FILE") }
        let path = arguments.positionals[0]
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path)")
        }
        let bytes = Array(data)
        do {
            _ = try GatewayConfig.parse(bytes)
        } catch {
            var text = "config \(path) is invalid (\(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")), nothing applied:\n"
            for issue in error.issues { text += "  \(issue.path): \(issue.message)\n" }
            FileHandle.standardError.write(Data(text.utf8))
            return 1
        }
        if arguments.flag("--check") {
            print("config \(path) is valid")
            return 0
        }
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let applied = try await GatewayConfigStore(client: client).apply(bytes, appliedBy: ProcessInfo.processInfo.hostName)
        print("applied config version \(applied.id) sha256=\(applied.sha256)\(applied.unchanged ? " (same as before)" : "")")
        return 0
    }
}
