/// What an execution writes besides the job's transition, in the same transaction: usage rows,
/// the routing trace, and cache changes. Written only when the transition itself is written
/// (the job was still running under the same claim).
public struct JobRecords: Sendable {
    /// A response to store in the cache (replacing this job's pending single-flight marker).
    public struct CacheEntry: Sendable {
        public var key: String
        public var model: String
        /// The chat.completion JSON text.
        public var response: String
        public var ttlSeconds: Int

        public init(key: String, model: String, response: String, ttlSeconds: Int) {
            self.key = key
            self.model = model
            self.response = response
            self.ttlSeconds = ttlSeconds
        }
    }

    public var usage: [UsageRecord] = []
    /// `jobs.routing_trace` JSON text.
    public var routingTrace: String?
    public var cacheKey: String?
    public var cacheEntry: CacheEntry?
    /// A cache row this job answered from (its `hits` go up).
    public var cacheHitKey: String?
    /// A pending single-flight marker this job held and gives up (it failed or snoozed).
    public var releasedPendingKey: String?

    public init() {}
}
