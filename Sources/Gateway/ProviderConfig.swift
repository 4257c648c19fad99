import Foundation
import Providers

/// A provider account: its wire format, endpoints and keys.
public struct ProviderConfig: Sendable, Hashable, Codable {
    /// One base URL of a provider (a region or a replica), in the Providers adapters' convention:
    /// OpenAI-style APIs up to and including `/v1` (`http://127.0.0.1:9100/v1`), Anthropic and
    /// Gemini the origin (the adapter adds `/v1` or `/v1beta`), Azure the resource origin.
    public struct Endpoint: Sendable, Hashable, Codable {
        public var baseURL: String
        public var region: String?

        public init(baseURL: String, region: String? = nil) {
            self.baseURL = baseURL
            self.region = region
        }

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case region
        }
    }

    /// One API key, with a label that the usage ledger records instead of the key.
    public struct Key: Sendable, Hashable {
        /// Where the key comes from. Secrets are never stored in the database: `environment` names a
        /// variable read by the worker; `literal` is accepted only for loopback servers (the mock).
        public enum Source: Sendable, Hashable {
            case environment(String)
            case literal(String)
        }

        public var label: String
        public var source: Source

        public init(label: String, source: Source) {
            self.label = label
            self.source = source
        }

        /// The key's value now: the environment variable's value, or the literal.
        public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
            switch source {
            case .environment(let name):
                environment[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            case .literal(let value): value
            }
        }
    }

    public var name: String
    public var type: WireFormat
    public var endpoints: [Endpoint]
    public var keys: [Key]
    /// Azure OpenAI's `api-version` query parameter; required for `azure`, unused otherwise.
    public var apiVersion: String?

    public init(name: String, type: WireFormat, endpoints: [Endpoint], keys: [Key], apiVersion: String? = nil) {
        self.name = name
        self.type = type
        self.endpoints = endpoints
        self.keys = keys
        self.apiVersion = apiVersion
    }

    enum CodingKeys: String, CodingKey {
        case name, type, endpoints, keys
        case apiVersion = "api_version"
    }

    /// True when `baseURL`'s host is a loopback address or `localhost` — where a literal key is allowed.
    public static func isLoopback(baseURL: String) -> Bool {
        guard let host = URLComponents(string: baseURL)?.host?.lowercased() else { return false }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

extension ProviderConfig.Key: Codable {
    enum CodingKeys: String, CodingKey {
        case label
        case apiKeyEnv = "api_key_env"
        case apiKey = "api_key"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decode(String.self, forKey: .label)
        if let name = try container.decodeIfPresent(String.self, forKey: .apiKeyEnv) {
            source = .environment(name)
        } else {
            source = .literal(try container.decode(String.self, forKey: .apiKey))
        }
    }

    /// Encodes a literal key as ``ConfigRedaction/placeholder``: an encoded config is for showing.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        switch source {
        case .environment(let name): try container.encode(name, forKey: .apiKeyEnv)
        case .literal: try container.encode(ConfigRedaction.placeholder, forKey: .apiKey)
        }
    }
}

/// Printing a key (or a config holding one) shows the variable name or the placeholder, never a literal.
extension ProviderConfig.Key.Source: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        switch self {
        case .environment(let name): "environment(\(name))"
        case .literal: "literal(\(ConfigRedaction.placeholder))"
        }
    }

    public var debugDescription: String { description }
}
