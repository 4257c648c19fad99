import Foundation
import Providers

/// Everything the mock provider emulates: the models and their profiles, the seed, accepted keys.
///
/// A profile file (`switchyard mock-provider --profile FILE`):
/// ```json
/// { "seed": 42,
///   "include_defaults": true,
///   "api_keys": ["sk-test"],
///   "models": { "gpt-4o": { "latency": 50, "errors": {"503": 0.1}, "rpm": 60 },
///               "my-model": { "owned_by": "acme" } } }
/// ```
/// Models named in the file are laid over the built-in defaults of the same name (or over an empty
/// profile for a new name); `"include_defaults": false` serves only the models in the file.
public struct MockProviderConfiguration: Sendable {
    /// Seeds every model's fault and latency draws.
    public var seed: UInt64 = 0
    public var models: [String: MockModelProfile]
    /// Keys accepted; nil accepts any non-empty key (the real APIs still reject a missing one).
    public var apiKeys: Set<String>?
    /// When set, replaces every model's latency (the `--latency-ms` flag for benchmarks).
    public var latencyOverride: MockLatency?

    public init(models: [String: MockModelProfile] = MockProviderConfiguration.defaultModels, seed: UInt64 = 0) {
        self.models = models
        self.seed = seed
    }

    /// The built-in models: no latency, no faults, no rate limits.
    public static let defaultModels: [String: MockModelProfile] = [
        "gpt-4o": MockModelProfile(ownedBy: "openai", contextWindow: 128_000),
        "gpt-4o-mini": MockModelProfile(ownedBy: "openai", contextWindow: 128_000),
        "claude-3-5-sonnet": MockModelProfile(ownedBy: "anthropic", contextWindow: 200_000),
        "mistral-large": MockModelProfile(ownedBy: "mistralai", contextWindow: 128_000),
        "gemini-1.5-flash": MockModelProfile(ownedBy: "google", contextWindow: 1_048_576),
        "deepseek-chat": MockModelProfile(ownedBy: "deepseek", contextWindow: 64_000),
    ]

    /// Reads a profile file's contents.
    /// - Throws: `MockProfileError` naming the JSON field at fault (empty field for invalid JSON).
    public static func parse(_ bytes: [UInt8]) throws(MockProfileError) -> MockProviderConfiguration {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw MockProfileError(field: "", message: "not JSON: \(error)")
        }
        guard let members = document.objectValue else {
            throw MockProfileError(field: "", message: "must be a JSON object, got \(document.kindDescription)")
        }
        var includeDefaults = true
        if let include = document["include_defaults"] {
            guard let flag = include.boolValue else {
                throw MockProfileError(field: "include_defaults", message: "must be true or false")
            }
            includeDefaults = flag
        }
        var configuration = MockProviderConfiguration(models: includeDefaults ? defaultModels : [:])
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "include_defaults":
                break
            case "seed":
                guard let seed = value.intValue, seed >= 0 else {
                    throw MockProfileError(field: key, message: "must be a whole number >= 0")
                }
                configuration.seed = UInt64(seed)
            case "api_keys":
                guard let items = value.arrayValue else { throw MockProfileError(field: key, message: "must be an array of strings") }
                var keys: Set<String> = []
                for (index, item) in items.enumerated() {
                    guard let text = item.stringValue, !text.isEmpty else {
                        throw MockProfileError(field: "\(key)[\(index)]", message: "must be a non-empty string")
                    }
                    keys.insert(text)
                }
                configuration.apiKeys = keys
            case "models":
                guard let entries = value.objectValue else {
                    throw MockProfileError(field: key, message: "must be an object of model name to profile")
                }
                for (name, profileValue) in entries.sorted(by: { $0.key < $1.key }) {
                    guard !name.isEmpty else { throw MockProfileError(field: key, message: "model names must not be empty") }
                    let base = configuration.models[name] ?? MockModelProfile()
                    configuration.models[name] = try MockModelProfile.parse(profileValue, base: base, field: "models.\(name)")
                }
            default:
                throw MockProfileError(field: key, message: "unknown field (expected seed, include_defaults, api_keys, models)")
            }
        }
        return configuration
    }

    /// Reads the profile file at `path`.
    /// - Throws: `MockProfileError` (the file name in the message when it cannot be read).
    public static func load(path: String) throws(MockProfileError) -> MockProviderConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MockProfileError(field: "", message: "cannot read \(path)")
        }
        return try parse(Array(data))
    }
}
