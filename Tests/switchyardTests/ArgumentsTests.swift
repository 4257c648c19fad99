import Testing
@testable import switchyard

@Suite struct ArgumentsTests {
    static let spec = CommandSpec(
        name: "worker", summary: "Run a worker", arguments: "[ARG...]",
        options: [.value("--concurrency", "N", "slots"), .flag("--drain", "drain"), .value("--tag", "T", "tags", repeatable: true)])

    @Test func parsesValuesFlagsAndPositionals() throws {
        let parsed = try ParsedArguments(["--concurrency", "8", "--drain", "a", "--tag=x", "--tag", "y", "--", "--b"], spec: Self.spec)
        #expect(try parsed.int("--concurrency", default: 1) == 8)
        #expect(parsed.flag("--drain"))
        #expect(parsed.strings("--tag") == ["x", "y"])
        #expect(parsed.positionals == ["a", "--b"])
    }

    @Test(arguments: [
        (["--nope"], "unknown option '--nope'"),
        (["--concurrency"], "option '--concurrency' needs a value"),
        (["--drain=1"], "option '--drain' takes no value"),
        (["--concurrency", "1", "--concurrency", "2"], "given more than once"),
    ])
    func rejectsBadInvocations(arguments: [String], message: String) {
        do {
            _ = try ParsedArguments(arguments, spec: Self.spec)
            Issue.record("expected a usage error")
        } catch let error as UsageError {
            #expect(error.message.contains(message))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func intNamesTheFlagWhenOutOfRange() throws {
        let parsed = try ParsedArguments(["--concurrency", "0"], spec: Self.spec)
        #expect(throws: UsageError.self) { try parsed.int("--concurrency", default: 1, range: 1...10_000) }
        let text = try ParsedArguments(["--concurrency", "x"], spec: Self.spec)
        do { _ = try text.int("--concurrency", default: 1) } catch let error as UsageError {
            #expect(error.message.contains("--concurrency"))
        }
    }

    @Test func aCommandWithoutArgumentsRefusesPositionals() throws {
        let spec = CommandSpec(name: "stats", summary: "Stats", options: [.json])
        do {
            _ = try ParsedArguments(["--json", "extra"], spec: spec)
            Issue.record("expected a usage error")
        } catch let error as UsageError {
            #expect(error.message == "'switchyard stats' takes no arguments, got 'extra' (see --help)")
        }
        #expect(try ParsedArguments(["extra", "--help"], spec: spec).wantsHelp)
    }

    @Test func findsLongestCommandName() {
        #expect(findCommand(["version"])?.command == VersionCommand.self)
        #expect(findCommand(["nope"]) == nil)
    }

    @Test func helpListsOptions() {
        #expect(Self.spec.help.contains("--concurrency N"))
        #expect(Self.spec.help.contains("--help"))
    }

    @Test func helpListsSharedOptionsLastAndWrapsLongLines() {
        let spec = CommandSpec(
            name: "results", summary: "Export", arguments: "BATCH",
            options: [.databaseURL, .json, .value("--format", "FORMAT", String(repeating: "word ", count: 30))],
            discussion: String(repeating: "long sentence ", count: 20) + "\n  {\"example\": \"kept as written\"}")
        let lines = spec.help.split(separator: "\n").map(String.init)
        let names = lines.compactMap { line in line.split(separator: " ").first.map(String.init) }.filter { $0.hasPrefix("--") }
        #expect(names == ["--format", "--json", "--database-url", "--help"])
        #expect(lines.allSatisfy { $0.count <= CommandSpec.helpWidth }, "\(lines)")
        #expect(lines.contains("  {\"example\": \"kept as written\"}"))
    }

    @Test func everyCommandIsListedOnceAndGroupsNameTheirSubcommands() {
        let names = allCommands.map { $0.spec.name }
        #expect(Set(names).count == names.count)
        for name in names { #expect(topLevelHelp.contains("  \(name) ")) }
        #expect(subcommands(of: "config") == ["config apply", "config show"])
        #expect(subcommands(of: "bench").count == 5)
        #expect(subcommands(of: "nope").isEmpty)
    }
}
