#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

signal(SIGPIPE, SIG_IGN)
ParentDeathSignal.applyIfRequested()
let words = Array(CommandLine.arguments.dropFirst())
if words.isEmpty || words == ["--help"] || words == ["-h"] || words == ["help"] {
    print(topLevelHelp, terminator: "")
    exit(words.isEmpty ? 2 : 0)
}
guard let (command, rest) = findCommand(words) else {
    printError("error: unknown command '\(words.joined(separator: " "))'\n")
    printError(topLevelHelp)
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
