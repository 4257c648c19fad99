#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Worker

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

signal(SIGPIPE, SIG_IGN)
// Before any other thread starts, so every thread inherits the mask: no SIGTERM/SIGINT is lost.
ShutdownSignals.hold()
ParentDeathSignal.applyIfRequested()
var words = Array(CommandLine.arguments.dropFirst())
if words.isEmpty {
    printError(topLevelHelp)
    exit(2)
}
if words == ["--help"] || words == ["-h"] || words == ["help"] {
    print(topLevelHelp, terminator: "")
    exit(0)
}
if words.first == "help" { words = Array(words.dropFirst()) + ["--help"] }
guard let (command, rest) = findCommand(words) else {
    let choices = subcommands(of: words[0])
    if choices.isEmpty {
        printError("error: unknown command '\(words[0])'; 'switchyard --help' lists the commands")
    } else {
        printError("error: 'switchyard \(words[0])' needs one of: \(choices.joined(separator: ", "))")
    }
    exit(2)
}
do {
    let arguments = try ParsedArguments(rest, spec: command.spec)
    if arguments.wantsHelp {
        print(command.spec.help, terminator: "")
        exit(0)
    }
    let code = try await command.run(arguments)
    exit(code)
} catch let error as UsageError {
    printError("error: \(error.message)")
    exit(2)
} catch {
    printError("error: \(error)")
    exit(1)
}
