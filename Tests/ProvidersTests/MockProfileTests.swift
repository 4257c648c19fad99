import Foundation
import Testing
@testable import MockProvider

@Suite("Mock provider profiles")
struct MockProfileTests {
    @Test func defaultsEmulateSixModelsWithoutFaults() {
        let configuration = MockProviderConfiguration()
        #expect(Set(configuration.models.keys) == [
            "gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "mistral-large", "gemini-1.5-flash", "deepseek-chat",
        ])
        for profile in configuration.models.values {
            #expect(profile.latency == .none)
            #expect(profile.faultRates.isEmpty)
            #expect(profile.requestsPerMinute == nil && profile.tokensPerMinute == nil)
        }
    }

    @Test func fullProfileParses() throws {
        let text = """
            {"seed": 7, "api_keys": ["sk-a"], "models": {
              "gpt-4o": {"latency": {"min_ms": 5, "max_ms": 9}, "errors": {"500": 0.1, "529": 0.2, "hang": 0.05},
                         "rpm": 60, "tpm": 1000, "window": "fixed", "window_s": 2, "outage_mode": "reset",
                         "hang_ms": 500, "context_window": 4096, "response_model": "gpt-4o-2024-08-06"},
              "custom": {"latency": 12, "owned_by": "acme"},
              "slow": {"latency": {"mean_ms": 300, "stddev_ms": 50}}}}
            """
        let configuration = try MockProviderConfiguration.parse(Array(text.utf8))
        #expect(configuration.seed == 7)
        #expect(configuration.apiKeys == ["sk-a"])
        let gpt = try #require(configuration.models["gpt-4o"])
        #expect(gpt.latency == .uniform(minMs: 5, maxMs: 9))
        #expect(gpt.faultRates == [.internalServerError: 0.1, .overloaded: 0.2, .hang: 0.05])
        #expect(gpt.requestsPerMinute == 60 && gpt.tokensPerMinute == 1000)
        #expect(gpt.window == .fixed && gpt.windowSeconds == 2)
        #expect(gpt.outageMode == .reset && gpt.hangMs == 500 && gpt.contextWindow == 4096)
        #expect(gpt.responseModel == "gpt-4o-2024-08-06")
        #expect(gpt.ownedBy == "openai", "fields not given keep the built-in default's")
        #expect(configuration.models["custom"]?.latency == .fixed(ms: 12))
        #expect(configuration.models["custom"]?.ownedBy == "acme")
        #expect(configuration.models["slow"]?.latency == .normal(meanMs: 300, stddevMs: 50))
        #expect(configuration.models["claude-3-5-sonnet"] != nil, "defaults stay unless include_defaults is false")
    }

    @Test func includeDefaultsFalseServesOnlyTheFile() throws {
        let configuration = try MockProviderConfiguration.parse(Array(#"{"include_defaults": false, "models": {"m": {}}}"#.utf8))
        #expect(Array(configuration.models.keys) == ["m"])
    }

    @Test func profileRoundTripsThroughItsJSON() throws {
        var profile = MockModelProfile()
        profile.latency = .normal(meanMs: 10, stddevMs: 2)
        profile.faultRates = [.reset: 0.25, .truncated: 0.5]
        profile.requestsPerMinute = 3
        profile.window = .fixed
        let parsed = try MockModelProfile.parse(profile.json, field: "x")
        #expect(parsed == profile)
    }

    static let badProfiles: [(String, String)] = [
        (#"[1]"#, ""),
        (#"{"seed": -1}"#, "seed"),
        (#"{"colour": 1}"#, "colour"),
        (#"{"models": []}"#, "models"),
        (#"{"models": {"gpt-4o": 3}}"#, "models.gpt-4o"),
        (#"{"models": {"gpt-4o": {"latency": "fast"}}}"#, "models.gpt-4o.latency"),
        (#"{"models": {"gpt-4o": {"latency": {"min_ms": 5}}}}"#, "models.gpt-4o.latency"),
        (#"{"models": {"gpt-4o": {"latency": {"min_ms": 9, "max_ms": 5}}}}"#, "models.gpt-4o.latency.max_ms"),
        (#"{"models": {"gpt-4o": {"latency": {"p50": 5}}}}"#, "models.gpt-4o.latency.p50"),
        (#"{"models": {"gpt-4o": {"errors": {"504": 0.1}}}}"#, "models.gpt-4o.errors.504"),
        (#"{"models": {"gpt-4o": {"errors": {"500": 1.5}}}}"#, "models.gpt-4o.errors.500"),
        (#"{"models": {"gpt-4o": {"errors": {"500": 0.6, "503": 0.6}}}}"#, "models.gpt-4o.errors"),
        (#"{"models": {"gpt-4o": {"rpm": 0}}}"#, "models.gpt-4o.rpm"),
        (#"{"models": {"gpt-4o": {"tpm": 1.5}}}"#, "models.gpt-4o.tpm"),
        (#"{"models": {"gpt-4o": {"window": "rolling"}}}"#, "models.gpt-4o.window"),
        (#"{"models": {"gpt-4o": {"outage_mode": "504"}}}"#, "models.gpt-4o.outage_mode"),
        (#"{"models": {"gpt-4o": {"rmp": 5}}}"#, "models.gpt-4o.rmp"),
        (#"{"api_keys": ["a", ""]}"#, "api_keys[1]"),
        (#"{"include_defaults": "no"}"#, "include_defaults"),
        (#"{"models": "#, ""),
    ]

    @Test(arguments: badProfiles)
    func badProfileNamesTheField(text: String, field: String) {
        #expect {
            try MockProviderConfiguration.parse(Array(text.utf8))
        } throws: { error in
            guard let error = error as? MockProfileError else { return false }
            return error.field == field && (field.isEmpty || error.description.contains(field))
        }
    }

    @Test func loadsAProfileFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mock-profile-\(UInt32.random(in: 0...UInt32.max)).json").path
        try Data(#"{"seed": 5, "models": {"gpt-4o": {"latency": 7}}}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try MockProviderConfiguration.load(path: path)
        #expect(configuration.seed == 5)
        #expect(configuration.models["gpt-4o"]?.latency == .fixed(ms: 7))
    }

    @Test func missingFileIsAnErrorNamingIt() {
        #expect(throws: MockProfileError.self) { try MockProviderConfiguration.load(path: "/nonexistent/profile.json") }
    }
}
