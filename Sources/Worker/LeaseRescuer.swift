import Queue

/// Every `rescueIntervalMs`, puts jobs whose lease expired (their worker died or stalled) back to
/// `queued`, or `failed` when they are out of attempts.
struct LeaseRescuer: Sendable {
    let queue: JobQueue
    let configuration: WorkerConfiguration
    let wake: WakeSignal
    let isStopped: @Sendable () -> Bool
    /// Called when jobs became runnable again.
    let onRescued: @Sendable () -> Void

    func run() async {
        while !isStopped() {
            await wake.wait(timeoutMs: configuration.rescueIntervalMs)
            if isStopped() { return }
            do {
                let rescued = try await queue.rescueExpired()
                if rescued.contains(where: { $0.state == .queued }) { onRescued() }
                if !rescued.isEmpty { configuration.log("rescued \(rescued.count) jobs with expired leases") }
            } catch {
                configuration.log("rescuing expired leases failed: \(error)")
            }
        }
    }
}
