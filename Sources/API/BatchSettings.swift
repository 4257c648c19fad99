/// Limits and defaults of the Batch API and of `docs submit` batches; tests shorten the timings.
public struct BatchSettings: Sendable {
    /// Largest uploaded file on `POST /v1/files` (413 beyond).
    public var maxFileBytes = 100 << 20
    /// Most requests (non-blank lines) in one batch input file.
    public var maxRequests = 50_000
    /// Largest `body` of one input line, like a `POST /v1/jobs` body.
    public var maxRequestBytes = 1 << 20
    /// Priority of the jobs a batch creates: below `/v1/jobs` (0) and `/v1/chat/completions` (100),
    /// so interactive work runs first. A line's own `priority` member still wins.
    public var jobPriority = -10
    /// The `completion_window` values accepted, with their length in seconds.
    public var completionWindows: [String: Int] = ["24h": 86_400]
    /// How often the batch service looks at open batches without a wake-up.
    public var pollMs = 5_000
    /// The shortest time between two passes of the batch service; wake-ups in between are folded
    /// into the next pass (completions NOTIFY once per written batch of jobs).
    public var minPassIntervalMs = 200
    /// How long a cancelling batch waits for its running requests before it is finalized anyway
    /// (the unfinished ones are reported as cancelled).
    public var cancelGraceMs = 600_000
    /// Largest output file a batch may write (PostgreSQL holds at most 1 GiB in one value); a
    /// batch whose answers add up to more ends `failed` with `output_too_large`, its answers
    /// still readable through `GET /v1/jobs?batch=ID`.
    public var maxOutputFileBytes = 512 << 20
    /// Most line errors listed in a failed batch's `errors`.
    public var maxLineErrors = 100
    /// Output tokens a line's quota estimate assumes when its request sets no `max_tokens`
    /// (as `GatewayAPI.Configuration.quotaDefaultCompletionTokens` for single submits).
    public var quotaDefaultCompletionTokens = 256

    public init() {}
}
