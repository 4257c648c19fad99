import Queue

enum CancelCommand: Command {
    static let spec = CommandSpec(
        name: "cancel", summary: "Cancel jobs (a running job stops at its next checkpoint)", arguments: "ID...",
        options: [.databaseURL, .json])

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let ids = try JobIDArgument.parseAll(arguments.positionals, command: "cancel")
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        var code: Int32 = 0
        for id in ids {
            let state = try await queue.cancel(id: id)
            let shown: String
            switch state {
            case nil: shown = "not-found"; code = 1
            case .running?: shown = "cancel-requested"
            case .cancelled?, .queued?: shown = state!.rawValue
            case let state?: shown = state.rawValue; code = 1  // already finished otherwise
            }
            if arguments.flag("--json") {
                print("{\"id\":\"\(id)\",\"state\":\(state.map { "\"\($0.rawValue)\"" } ?? "null"),\"result\":\"\(shown)\"}")
            } else {
                print("\(id) \(shown)")
            }
        }
        return code
    }
}
