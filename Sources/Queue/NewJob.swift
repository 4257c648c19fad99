import Foundation

/// A job to enqueue. The queue stores `request` as opaque JSON; it knows nothing about LLMs.
public struct NewJob: Sendable {
    /// The model name the client asked for (`jobs.route`).
    public var route: String
    /// The canonical chat request, a JSON object as text.
    public var request: String
    public var queue: String = "default"
    /// Higher runs first.
    public var priority: Int = 0
    /// Not runnable before this time; `nil` means now (by the database clock).
    public var runAt: Date?
    public var maxAttempts: Int = 5
    public var deadline: Date?
    public var clientID: Int64?
    public var batchID: Int64?
    public var customID: String?
    /// Unique per client (CLI jobs, with no client, count as one client): the same key returns the
    /// job created first instead of a new one.
    public var idempotencyKey: String?
    /// A JSON object: cache options, metadata.
    public var options: String = "{}"

    public init(route: String, request: String) {
        self.route = route
        self.request = request
    }
}

/// The job an enqueue created or, for a repeated idempotency key, found.
public struct EnqueuedJob: Sendable, Hashable {
    public var id: Int64
    /// False when an earlier job with the same idempotency key was returned instead.
    public var created: Bool

    public init(id: Int64, created: Bool) {
        self.id = id
        self.created = created
    }
}
