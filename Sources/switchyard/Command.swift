/// One `switchyard` command. Commands only parse arguments, call the modules and print.
protocol Command: Sendable {
    static var spec: CommandSpec { get }
    /// Runs the command and returns its exit code (0 ok, 1 failure).
    /// - Throws: `UsageError` for a bad invocation (exit 2); any other error prints and exits 1.
    static func run(_ arguments: ParsedArguments) async throws -> Int32
}

/// Every command by what it is for, in the order `switchyard --help` lists them.
let commandGroups: [(title: String, commands: [any Command.Type])] = [
    ("Run it", [UpCommand.self, ServeCommand.self, WorkerCommand.self, PoolCommand.self, MigrateCommand.self,
                ConfigApplyCommand.self, ConfigShowCommand.self]),
    ("Jobs and documents", [EnqueueCommand.self, JobCommand.self, WaitCommand.self, CancelCommand.self,
                            DocsSubmitCommand.self, ResultsCommand.self]),
    ("Watch it", [StatsCommand.self, ProvidersCommand.self]),
    ("Clients", [ClientsCreateCommand.self, ClientsListCommand.self, ClientsRevokeCommand.self]),
    ("Test and measure", [MockProviderCommand.self, BenchQueueCommand.self, BenchHTTPCommand.self, BenchAPICommand.self,
                          BenchGatewayCommand.self, BenchInflightCommand.self, VersionCommand.self]),
]

/// Every command.
let allCommands: [any Command.Type] = commandGroups.flatMap { $0.commands }

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

/// The command names that start with `word` (`config` → `config apply`, `config show`).
func subcommands(of word: String) -> [String] {
    allCommands.map { $0.spec.name }.filter { $0.hasPrefix(word + " ") }
}

var topLevelHelp: String {
    var text = "switchyard — an asynchronous LLM job gateway on PostgreSQL\n\nUsage: switchyard <command> [options]\n"
    let width = allCommands.map { $0.spec.name.count }.max() ?? 0
    for group in commandGroups {
        text += "\n\(group.title):\n"
        for command in group.commands {
            text += "  " + command.spec.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.spec.summary + "\n"
        }
    }
    text += """

        Run 'switchyard <command> --help' (or 'switchyard help <command>') for a command's options.
        The database: --database-url, else SWITCHYARD_DATABASE_URL, DATABASE_URL or libpq's PG* variables.
        Exit codes: 0 ok, 1 failure, 2 usage error. Commands that print data take --json.

        """
    return text
}
