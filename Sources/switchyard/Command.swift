/// One `switchyard` command. Commands only parse arguments, call the modules and print.
protocol Command: Sendable {
    static var spec: CommandSpec { get }
    /// Runs the command and returns its exit code (0 ok, 1 failure).
    /// - Throws: `UsageError` for a bad invocation (exit 2); any other error prints and exits 1.
    static func run(_ arguments: ParsedArguments) async throws -> Int32
}

/// Every command, in the order `switchyard --help` lists them.
let allCommands: [any Command.Type] = [
    VersionCommand.self,
    MigrateCommand.self,
    ConfigApplyCommand.self,
    ConfigShowCommand.self,
    EnqueueCommand.self,
    JobCommand.self,
    WaitCommand.self,
    CancelCommand.self,
    DocsSubmitCommand.self,
    ResultsCommand.self,
    StatsCommand.self,
    ProvidersCommand.self,
    WorkerCommand.self,
    PoolCommand.self,
    UpCommand.self,
    ServeCommand.self,
    ClientsCreateCommand.self,
    ClientsListCommand.self,
    ClientsRevokeCommand.self,
    BenchQueueCommand.self,
    BenchHTTPCommand.self,
    BenchAPICommand.self,
    BenchGatewayCommand.self,
    BenchInflightCommand.self,
    MockProviderCommand.self,
]

/// Finds the command whose name matches the longest prefix of `words`.
func findCommand(_ words: [String]) -> (command: any Command.Type, rest: [String])? {
    var best: (any Command.Type, Int)?
    for command in allCommands {
        let name = command.spec.name.split(separator: " ").map(String.init)
        guard words.count >= name.count, Array(words.prefix(name.count)) == name else { continue }
        if best == nil || name.count > best!.1 { best = (command, name.count) }
    }
    guard let (command, count) = best else { return nil }
    return (command, Array(words.dropFirst(count)))
}

var topLevelHelp: String {
    var text = "switchyard — an asynchronous LLM job gateway on PostgreSQL\n\nUsage: switchyard <command> [options]\n\nCommands:\n"
    let width = allCommands.map { $0.spec.name.count }.max() ?? 0
    for command in allCommands {
        text += "  " + command.spec.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.spec.summary + "\n"
    }
    text += "\nRun 'switchyard <command> --help' for a command's options.\n"
    return text
}
