import Foundation
import Testing
import TestSupport

/// `switchyard --help` and every command's `--help` (exit 0, on stdout), and usage errors (exit 2,
/// on stderr, naming what is wrong).
@Suite struct HelpCLITests {
    static let commands = [
        "up", "serve", "worker", "pool", "migrate", "config apply", "config show", "enqueue", "job", "wait", "cancel",
        "docs submit", "results", "stats", "providers", "clients create", "clients list", "clients revoke", "mock-provider",
        "bench queue", "bench http", "bench api", "bench gateway", "bench inflight", "version",
    ]

    @Test func topLevelHelpListsEveryCommand() async throws {
        for arguments in [["--help"], ["help"], ["-h"]] {
            let result = try await ChildProcess.run(switchyardBinary, arguments)
            #expect(result.code == 0 && result.stderr.isEmpty)
            for command in Self.commands { #expect(result.stdout.contains("\n  \(command) "), "\(command)") }
            #expect(result.stdout.contains("Exit codes: 0 ok, 1 failure, 2 usage error."))
        }
        let bare = try await ChildProcess.run(switchyardBinary, [])
        #expect(bare.code == 2 && bare.stdout.isEmpty && bare.stderr.contains("Usage: switchyard <command>"))
    }

    @Test(arguments: commands)
    func commandHelp(command: String) async throws {
        let words = command.split(separator: " ").map(String.init)
        let result = try await ChildProcess.run(switchyardBinary, words + ["--help"])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Usage: switchyard \(command)"))
        #expect(result.stdout.contains("  --help "))
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 }, "\(result.stdout)")
        let help = try await ChildProcess.run(switchyardBinary, ["help"] + words)
        #expect(help.code == 0 && help.stdout == result.stdout)
    }

    @Test(arguments: [
        (["nosuch"], "unknown command 'nosuch'"),
        (["config"], "'switchyard config' needs one of: config apply, config show"),
        (["stats", "extra"], "'switchyard stats' takes no arguments, got 'extra'"),
        (["worker", "--concurrency"], "option '--concurrency' needs a value"),
        (["job"], "'switchyard job' takes exactly one job id"),
        (["results", "1", "--format", "xml"], "option '--format' expects one of jsonl, csv"),
        (["docs", "submit", "examples/docs"], "option '--task' is required"),
        (["clients", "create"], "'switchyard clients create' takes exactly one NAME"),
        (["up", "--providers", "bogus"], "option '--providers' expects one of"),
    ])
    func usageErrorsExitTwo(arguments: [String], message: String) async throws {
        let result = try await ChildProcess.run(switchyardBinary, arguments)
        #expect(result.code == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error: " + message), "\(result.stderr)")
    }
}
