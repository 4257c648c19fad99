import Testing
@testable import switchyard

@Suite struct ArgumentsTests {
    static let spec = CommandSpec(
        name: "worker", summary: "Run a worker",
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

    @Test func findsLongestCommandName() {
        #expect(findCommand(["version"])?.command == VersionCommand.self)
        #expect(findCommand(["nope"]) == nil)
    }

    @Test func helpListsOptions() {
        #expect(Self.spec.help.contains("--concurrency N"))
        #expect(Self.spec.help.contains("--help"))
    }
}
