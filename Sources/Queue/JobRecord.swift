import Foundation

/// A whole `switchyard.jobs` row, for showing a job to its owner. JSON columns stay text.
public struct JobRecord: Sendable {
    public var id: Int64
    public var queue: String
    public var state: JobState
    public var priority: Int
    public var runAt: Date
    public var attempt: Int
    public var maxAttempts: Int
    public var snoozes: Int
    public var deadline: Date?
    public var cancelRequested: Bool
    public var clientID: Int64?
    public var batchID: Int64?
    public var customID: String?
    public var idempotencyKey: String?
    public var route: String
    public var request: String
    public var options: String
    public var result: String?
    public var error: String?
    public var routingTrace: String?
    public var workerID: String?
    public var createdAt: Date
    public var attemptedAt: Date?
    public var finishedAt: Date?
}
