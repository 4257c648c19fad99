import Foundation

/// What `switchyard up` starts, and where.
public struct LocalStackOptions: Sendable {
    /// An existing database; nil starts the embedded cluster.
    public var databaseURL: String?
    /// Logs, and the embedded cluster under `postgres/` (`.local/up`, git-ignored).
    public var stateDirectory = ".local/up"
    /// The gateway config; nil picks `examples/switchyard.json` (mock) or `examples/switchyard.real.json` (real).
    public var configPath: String?
    /// The worker pool; nil picks `workers/pool.json`.
    public var poolPath: String?
    public var providers: ProviderMode = .auto
    public var host = "127.0.0.1"
    /// `serve`'s port; 0 for any free one.
    public var port = 8080
    /// The mock provider's port; 0 for any free one (the standard 9100 falls back to a free one when taken).
    public var mockPort = 9100
    /// Latency profile of the mock provider; nil picks `examples/mock-profile.json` when it exists, "" none.
    public var mockProfilePath: String?
    /// Name of the database made in the embedded cluster; the demo uses a fresh one of its own.
    public var databaseName = "switchyard"
    /// Drop and create `databaseName` first (embedded cluster only).
    public var freshDatabase = false
    public var environment = ProcessInfo.processInfo.environment

    public init() {}
}
