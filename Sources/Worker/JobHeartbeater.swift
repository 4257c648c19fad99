import Queue

/// Extends the leases of every held job in one statement every `heartbeatIntervalMs` (sooner when a
/// cancel is requested). Jobs found cancelled or no longer ours are abandoned.
struct JobHeartbeater: Sendable {
    let queue: JobQueue
    let workerState: WorkerState
    let configuration: WorkerConfiguration
    let wake: WakeSignal
    let isStopped: @Sendable () -> Bool

    func run() async {
        while !isStopped() {
            await wake.wait(timeoutMs: configuration.heartbeatIntervalMs)
            if isStopped() { return }
            let held = workerState.heldJobs()
            if held.isEmpty { continue }
            do {
                let result = try await queue.heartbeat(held, leaseMs: configuration.leaseMs, workerID: configuration.workerID)
                let gone = Set(result.cancelled + result.lost)
                if !gone.isEmpty { workerState.abandon(held.filter { gone.contains($0.id) }) }
            } catch {
                configuration.log("heartbeat for \(held.count) jobs failed: \(error)")
            }
        }
    }
}
