import Dispatch
import Postgres

extension JobQueue {
    /// Waits until every job in `ids` is terminal (woken by NOTIFY, re-checking at least every
    /// `pollMs`), or until `timeoutMs` passes.
    /// - Returns: the states last seen; jobs that do not exist are absent.
    public func waitUntilFinished(
        ids: [Int64], timeoutMs: Int?, listenerConfiguration: PostgresConfiguration, pollMs: Int = 1_000
    ) async throws -> [Int64: JobState] {
        let signal = WakeSignal()
        let notifier = QueueNotifier(configuration: listenerConfiguration, channels: [JobQueue.finishedChannel])
        let listening = Task { await notifier.run { _ in signal.signal() } }
        defer {
            notifier.stop()
            listening.cancel()
        }
        await notifier.waitUntilListening()
        let start = DispatchTime.now().uptimeNanoseconds
        while true {
            let states = try await self.states(ids: ids)
            let pending = ids.filter { states[$0].map { !$0.isTerminal } ?? false }
            if pending.isEmpty { return states }
            var wait = pollMs
            if let timeoutMs {
                let elapsed = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
                if elapsed >= timeoutMs { return states }
                wait = min(wait, timeoutMs - elapsed)
            }
            await signal.wait(timeoutMs: wait)
        }
    }
}
