import Foundation
import Queue

/// How a worker runtime behaves. Times are milliseconds so tests can make them short.
public struct WorkerConfiguration: Sendable {
    public var queue = "default"
    /// Jobs held at once (claimed and not yet written back).
    public var concurrency = 100
    /// Most jobs one claim takes.
    public var maxClaimBatch = 1_000
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

    /// Checks that the numbers make sense together.
    /// - Throws: `ConfigurationError` naming the first bad setting.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw ConfigurationError(message: message) }
        }
        try check(!queue.isEmpty, "queue must not be empty")
        try check(concurrency >= 1, "concurrency must be at least 1")
        try check(maxClaimBatch >= 1, "maxClaimBatch must be at least 1")
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
