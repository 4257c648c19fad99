import Synchronization

/// Per-execution information an executor may consult.
public struct JobContext: Sendable {
    public let jobID: Int64
    let flags: CancellationFlags

    init(jobID: Int64, flags: CancellationFlags) {
        self.jobID = jobID
        self.flags = flags
    }

    /// True once the job was cancelled, its lease was lost, or the worker gave up waiting for it at
    /// shutdown: whatever the executor returns afterwards is not written.
    public var isCancelled: Bool { flags.contains(jobID) }
}

/// The ids of jobs whose execution should stop, shared by the runtime and the executors.
final class CancellationFlags: Sendable {
    private let ids = Mutex(Set<Int64>())

    func insert(_ id: Int64) { _ = ids.withLock { $0.insert(id) } }
    func remove(_ id: Int64) { _ = ids.withLock { $0.remove(id) } }
    func contains(_ id: Int64) -> Bool { ids.withLock { $0.contains(id) } }
}
