import Foundation
import Providers
import Testing

import Gateway

@Suite("Config redaction: literal keys never leave the config store")
struct ConfigRedactionTests {
    @Test func everyLiteralKeyBecomesThePlaceholder() throws {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("examples/switchyard.json"), encoding: .utf8)
        let redacted = ConfigRedaction.redactedText(text)
        #expect(!redacted.contains("mock-openai-key") && !redacted.contains("mock-anthropic-key"))
        let document = try JSONValue.parse(redacted)
        let providers = document["providers"]?.arrayValue ?? []
        #expect(providers.count == 6)
        #expect(providers.allSatisfy { $0["api_key"] == .string(ConfigRedaction.placeholder) })
        // Everything else is as applied, and the redacted document still validates.
        #expect(document["routes"] == (try JSONValue.parse(text))["routes"])
        _ = try GatewayConfig.parse(redacted)
    }

    @Test func keysListsAreRedactedAndVariableNamesKept() throws {
        let document: JSONValue = [
            "providers": [
                ["name": "local", "keys": [["label": "a", "api_key": "secret-a"], ["label": "b", "api_key_env": "B_KEY"]]],
            ],
        ]
        let redacted = ConfigRedaction.redact(document)
        let keys = redacted["providers"]?.arrayValue?.first?["keys"]?.arrayValue ?? []
        #expect(keys[0] == ["label": "a", "api_key": .string("***")])
        #expect(keys[1] == ["label": "b", "api_key_env": "B_KEY"])
        #expect(!redacted.canonicalText.contains("secret-a"))
    }

    @Test func printingOrEncodingAParsedConfigHidesTheKeys() throws {
        let config = Fixtures.example
        #expect(!"\(config)".contains("mock-openai-key"))
        #expect(!String(reflecting: config).contains("mock-openai-key"))
        let encoded = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(!encoded.contains("mock-openai-key") && encoded.contains("***"))
        // The parsed config still holds the key for the workers.
        #expect(config.provider(named: "openai")?.keys.first?.resolve(environment: [:]) == "mock-openai-key")
    }

    @Test func textThatIsNotJSONIsNotEchoed() {
        let text = ConfigRedaction.redactedText(#"{"api_key": "sk-live-123""#)
        #expect(!text.contains("sk-live-123"))
    }
}
