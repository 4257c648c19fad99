import Dispatch
import Queue

/// Claims as many jobs as there are free slots, woken by NOTIFY, by freed slots while there is a
/// backlog, and at least every `pollIntervalMs`. While jobs are executing it waits for a quarter
/// of a full claim's worth of free slots, but no longer than `claimBatchWaitMs`. With no backlog
/// it claims the jobs a NOTIFY named by id, so a new job on an idle queue is picked up without a
/// scan of the claim index. In drain mode it ends the runtime once the queue has nothing queued
/// (even for later) or running and this worker holds nothing.
struct JobProducer: Sendable {
    let queue: JobQueue
    let workerState: WorkerState
    let configuration: WorkerConfiguration
    let wake: WakeSignal
    /// Called when drain mode finds nothing left.
    let onDrained: @Sendable () -> Void

    func run() async {
        var errorDelayMs = 50
        let threshold = configuration.claimThreshold
        /// Since when (monotonic ns) fewer than `threshold` slots have been free.
        var shortSince: UInt64?
        /// When (monotonic ns) the last claim through the claim index began.
        var lastScan: UInt64 = 0
        while !workerState.isStopping {
            let free = workerState.freeSlots
            if free <= 0 {
                shortSince = nil
                if workerState.producerWillWaitForSlot() { await wake.wait(timeoutMs: configuration.pollIntervalMs) }
                continue
            }
            if free < threshold && workerState.activeCount > 0 {
                let now = DispatchTime.now().uptimeNanoseconds
                let since = shortSince ?? now
                shortSince = since
                let waitedMs = Int((now - since) / 1_000_000)
                if waitedMs < configuration.claimBatchWaitMs {
                    await wake.wait(timeoutMs: configuration.claimBatchWaitMs - waitedMs)
                    continue
                }
            }
            shortSince = nil
            let limit = min(free, configuration.maxClaimBatch)
            let now = DispatchTime.now().uptimeNanoseconds
            let sinceScanMs = Int((now &- lastScan) / 1_000_000)
            // With no backlog, the jobs NOTIFYs named are all there is to claim but for scheduled
            // ones coming due, which the claim by index still finds at least every poll interval.
            let named = workerState.takeNotified()
            let byID = !named.isEmpty && sinceScanMs < configuration.pollIntervalMs
            let jobs: [ClaimedJob]
            do {
                if byID {
                    jobs = try await queue.claim(
                        ids: named, queue: configuration.queue, limit: limit, leaseMs: configuration.leaseMs,
                        workerID: configuration.workerID)
                } else {
                    jobs = try await queue.claim(
                        queue: configuration.queue, limit: limit, leaseMs: configuration.leaseMs,
                        workerID: configuration.workerID)
                    lastScan = now
                }
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
            if byID {
                // More named jobs than free slots: a backlog after all, claimed in order from now on.
                if named.count > limit { workerState.noteBacklog(true) }
                await wake.wait(timeoutMs: configuration.pollIntervalMs - sinceScanMs)
                continue
            }
            // A full claim probably left more behind; a short one emptied the queue for now, so
            // freed slots stop waking this loop until a NOTIFY (or the poll) says otherwise.
            workerState.noteBacklog(jobs.count == limit)
            if jobs.count == limit { continue }
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
