import Testing
@testable import switchyard

@Suite struct DurationArgumentTests {
    @Test(arguments: [("90s", 90.0), ("15m", 900), ("1h", 3_600), ("1.5h", 5_400), ("7d", 604_800)])
    func parsesANumberWithAUnit(text: String, seconds: Double) throws {
        #expect(try DurationArgument.seconds(text, option: "--since") == seconds)
    }

    @Test(arguments: ["", "h", "1", "1w", "-1h", "0m", "an hour", "infh"])
    func rejectsAnythingElseNamingTheOption(text: String) {
        #expect {
            try DurationArgument.seconds(text, option: "--since")
        } throws: { error in
            (error as? UsageError)?.message.contains("--since") == true
        }
    }
}
