import Postgres

/// LISTENs for the queue's channels on a dedicated connection and turns notifications into calls
/// to `handler`. Nothing is replayed after a reconnect, so consumers also poll (at most every
/// second); `.reconnected` tells them to poll at once.
public final class QueueNotifier: Sendable {
    public enum Event: Sendable {
        /// Jobs were inserted or put back to `queued`: the ones named (a small insert), or (nil)
        /// unknown ones.
        case jobsAvailable(ids: [Int64]?)
        /// Jobs reached a terminal state: these ones, or (nil) unknown ones.
        case jobsFinished(ids: [Int64]?)
        /// A running job was asked to cancel.
        case cancelRequested(id: Int64?)
        /// The listener reconnected; anything may have happened meanwhile.
        case reconnected
    }

    private let listener: PostgresListener

    public init(configuration: PostgresConfiguration,
                channels: [String] = [JobQueue.jobsChannel, JobQueue.finishedChannel, JobQueue.cancelChannel]) {
        listener = PostgresListener(configuration: configuration, channels: channels)
    }

    /// Returns once LISTEN is in place (or after `stop()`).
    public func waitUntilListening() async {
        await listener.waitUntilListening()
    }

    /// Calls `handler` for every event until `stop()`. One consumer.
    public func run(_ handler: @Sendable (Event) -> Void) async {
        for await event in listener.events() {
            switch event {
            case .reconnected:
                handler(.reconnected)
            case .notification(let notification):
                switch notification.channel {
                case JobQueue.jobsChannel: handler(.jobsAvailable(ids: JobQueue.jobIDs(payload: notification.payload)))
                case JobQueue.finishedChannel: handler(.jobsFinished(ids: JobQueue.jobIDs(payload: notification.payload)))
                case JobQueue.cancelChannel: handler(.cancelRequested(id: Int64(notification.payload)))
                default: break
                }
            }
        }
    }

    public func stop() {
        listener.stop()
    }
}
