import Foundation

/// A provider API key. Its `description`, `debugDescription` and reflection never show the value, so
/// a key interpolated into a log line or an error by mistake prints as `ProviderKey(<redacted>)`.
public struct ProviderKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let secret: String
    /// A name safe to record (the environment variable, or a label from config), never the key.
    public let label: String

    public init(_ secret: String, label: String = "key") {
        self.secret = secret
        self.label = label
    }

    /// Reads the key from an environment variable; nil when unset or empty.
    public init?(environmentVariable name: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        self.init(value, label: name)
    }

    /// The secret itself, for building the auth header only.
    public func reveal() -> String { secret }

    public var description: String { "ProviderKey(\(label): <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["label": label], displayStyle: .struct) }
}
