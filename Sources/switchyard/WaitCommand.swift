import Foundation
import Queue

enum WaitCommand: Command {
    static let spec = CommandSpec(
        name: "wait", summary: "Wait until jobs finish; exit 0 when every one succeeded", arguments: "ID...",
        options: [.databaseURL, .value("--timeout", "SECONDS", "Give up after this long (default: wait forever)"), .json])

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let ids = try JobIDArgument.parseAll(arguments.positionals, command: "wait")
        let timeout = try arguments.double("--timeout", default: -1, range: 0...1e9)
        let configuration = DatabaseOptions.configuration(arguments)
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let states = try await JobQueue(client: client).waitUntilFinished(
            ids: ids, timeoutMs: timeout < 0 ? nil : Int(timeout * 1_000), listenerConfiguration: configuration)
        var allSucceeded = true
        for id in ids {
            let state = states[id]
            if state != .succeeded { allSucceeded = false }
            if arguments.flag("--json") {
                print("{\"id\":\"\(id)\",\"state\":\(state.map { "\"\($0.rawValue)\"" } ?? "null")}")
            } else {
                print("\(id) \(state?.rawValue ?? "not-found")")
            }
        }
        return allSucceeded ? 0 : 1
    }
}
