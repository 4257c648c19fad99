import Queue

/// Claims as many jobs as there are free slots, woken by NOTIFY, by freed slots while there is a
/// backlog, and at least every `pollIntervalMs`. In drain mode it ends the runtime once the queue
/// has nothing queued (even for later) or running and this worker holds nothing.
struct JobProducer: Sendable {
    let queue: JobQueue
    let workerState: WorkerState
    let configuration: WorkerConfiguration
    let wake: WakeSignal
    /// Called when drain mode finds nothing left.
    let onDrained: @Sendable () -> Void

    func run() async {
        var errorDelayMs = 50
        let threshold = max(1, min(configuration.maxClaimBatch, configuration.concurrency) / 4)
        while !workerState.isStopping {
            let free = workerState.freeSlots
            let held = workerState.heldCount
            if free <= 0 || (held > 0 && free < threshold) {
                await wake.wait(timeoutMs: configuration.pollIntervalMs)
                continue
            }
            let limit = min(free, configuration.maxClaimBatch)
            let jobs: [ClaimedJob]
            do {
                jobs = try await queue.claim(
                    queue: configuration.queue, limit: limit, leaseMs: configuration.leaseMs,
                    workerID: configuration.workerID)
                errorDelayMs = 50
            } catch {
                configuration.log("claiming jobs failed, retrying in \(errorDelayMs) ms: \(error)")
                await wake.wait(timeoutMs: errorDelayMs)
                errorDelayMs = min(errorDelayMs * 2, configuration.pollIntervalMs)
                continue
            }
            if workerState.isStopping {
                // Claimed while shutdown began: hand them straight back.
                workerState.add(jobs)
                break
            }
            workerState.add(jobs)
            if jobs.count == limit { continue }  // probably more waiting
            if configuration.drain && jobs.isEmpty && workerState.heldCount == 0 {
                if let unfinished = try? await queue.hasUnfinishedJobs(queue: configuration.queue), !unfinished {
                    onDrained()
                    return
                }
            }
            await wake.wait(timeoutMs: configuration.pollIntervalMs)
        }
    }
}
