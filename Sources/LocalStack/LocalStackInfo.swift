/// What `switchyard up` started, for the person who ran it.
public struct LocalStackInfo: Sendable {
    /// The database URL with any password hidden.
    public var databaseURL: String
    /// Set when the embedded cluster runs.
    public var clusterDirectory: String?
    public var apiURL: String
    /// Set when the mock providers run.
    public var mockURL: String?
    public var providers: ProviderMode
    /// Provider key variables found (names only).
    public var providerKeys: [String]
    public var configPath: String
    public var poolPath: String
    public var logDirectory: String
    /// A fresh admin client key for the HTTP API (shown once, stored as its sha256).
    public var clientKey: String
    /// Worker processes in the pool.
    public var workers: Int
}
