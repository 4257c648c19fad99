/// A job a worker holds: claimed, `running`, under a lease identified by (`id`, `attempt`).
/// Fields stay raw text so the drain path parses nothing it does not need.
public struct ClaimedJob: Sendable {
    public var id: Int64
    /// The claim count, which also fences every later write for this claim.
    public var attempt: Int32
    public var maxAttempts: Int32
    public var snoozes: Int32
    public var route: String
    /// The request JSON as PostgreSQL prints jsonb.
    public var request: String
    /// The options JSON object.
    public var options: String
    /// The deadline in milliseconds since 1970, if any.
    public var deadlineMs: Int64?

    public init(id: Int64, attempt: Int32, maxAttempts: Int32 = 5, snoozes: Int32 = 0, route: String,
                request: String, options: String = "{}", deadlineMs: Int64? = nil) {
        self.id = id
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.snoozes = snoozes
        self.route = route
        self.request = request
        self.options = options
        self.deadlineMs = deadlineMs
    }

    /// Failed tries so far, this one included: claims that were not snoozes or releases.
    public var failuresIncludingThis: Int { Int(attempt) - Int(snoozes) }
}
