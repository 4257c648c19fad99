import Foundation
import Queue

/// How a worker runtime behaves. Times are milliseconds so tests can make them short.
public struct WorkerConfiguration: Sendable {
    public var queue = "default"
    /// Jobs executing at once (claimed and not yet finished). Finished jobs whose completion is
    /// still being written no longer take a slot; at most `concurrency` more are held that way.
    public var concurrency = 100
    /// Most jobs one claim takes.
    public var maxClaimBatch = 1_000
    /// With fewer than `claimThreshold` slots free while jobs are executing, the producer waits up
    /// to this long for more slots before claiming for the ones it has, so claims stay batched
    /// without leaving slots idle for long.
    public var claimBatchWaitMs = 10
    /// Claimed jobs kept waiting beyond the slots, so a freed slot starts its next job at once
    /// instead of waiting for a claim round trip. They are `running` (leased and heartbeated)
    /// while they wait. nil: an eighth of the slots, at most `claimThreshold` (none below 8 slots).
    public var prefetch: Int?
    public var leaseMs = 30_000
    public var heartbeatIntervalMs = 10_000
    /// Longest wait between claims when no NOTIFY arrives.
    public var pollIntervalMs = 1_000
    public var rescueIntervalMs = 5_000
    /// Completions are written when this many are buffered...
    public var completionBatchSize = 1_000
    /// ...or this long after the first one arrived, while another batch is being written (an idle
    /// completer writes at once).
    public var completionFlushMs = 2
    /// Completion batches written at the same time.
    public var completionWriters = 2
    /// At shutdown, how long in-flight jobs may still run before they are released.
    public var shutdownGraceMs = 10_000
    /// Stop (returning from `run`) once no job of the queue is queued, even for later, or running.
    public var drain = false
    public var backoff = RetryBackoff()
    public var workerID: String
    /// Where the runtime reports problems it recovers from (lost connection, failed writes).
    public var log: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data(("worker: " + message + "\n").utf8))
    }

    public init(workerID: String = WorkerConfiguration.defaultWorkerID()) {
        self.workerID = workerID
    }

    /// `host:pid:random`, unique enough to tell workers apart in `jobs.worker_id`.
    public static func defaultWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }

    /// Free slots worth a claim while jobs are executing: a quarter of the largest claim.
    var claimThreshold: Int { max(1, min(maxClaimBatch, concurrency) / 4) }

    /// Jobs that may wait for a slot or execute at once: the slots plus `prefetch`.
    var activeLimit: Int { concurrency + (prefetch ?? min(claimThreshold, concurrency / 8)) }

    /// Checks that the numbers make sense together.
    /// - Throws: `ConfigurationError` naming the first bad setting.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw ConfigurationError(message: message) }
        }
        try check(!queue.isEmpty, "queue must not be empty")
        try check(concurrency >= 1, "concurrency must be at least 1")
        try check(maxClaimBatch >= 1, "maxClaimBatch must be at least 1")
        try check(claimBatchWaitMs >= 0 && claimBatchWaitMs <= 1_000, "claimBatchWaitMs must be in 0...1000")
        try check((prefetch ?? 0) >= 0, "prefetch must not be negative")
        try check(leaseMs >= 10, "leaseMs must be at least 10")
        try check(heartbeatIntervalMs >= 1 && heartbeatIntervalMs < leaseMs, "heartbeatIntervalMs must be below leaseMs")
        try check(pollIntervalMs >= 1 && pollIntervalMs <= 1_000, "pollIntervalMs must be in 1...1000")
        try check(rescueIntervalMs >= 1, "rescueIntervalMs must be at least 1")
        try check(completionBatchSize >= 1 && completionFlushMs >= 0 && completionWriters >= 1, "bad completion settings")
        try check(shutdownGraceMs >= 0, "shutdownGraceMs must not be negative")
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "invalid worker configuration: \(message)" }
    }
}
