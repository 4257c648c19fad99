/// Response-cache defaults (seed 001: TTL 3600 s, bounded size).
public struct CacheDefaults: Sendable, Hashable, Codable {
    public var enabled: Bool
    public var ttlSeconds: Int
    public var maxEntries: Int

    public init(enabled: Bool = true, ttlSeconds: Int = 3_600, maxEntries: Int = 10_000) {
        self.enabled = enabled
        self.ttlSeconds = ttlSeconds
        self.maxEntries = maxEntries
    }

    enum CodingKeys: String, CodingKey {
        case enabled
        case ttlSeconds = "ttl_s"
        case maxEntries = "max_entries"
    }
}
