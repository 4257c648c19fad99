import Foundation
import Postgres
import Synchronization

/// Drains a listener's events in the background so tests can wait for one with a deadline.
final class EventCollector: Sendable {
    private final class Storage: Sendable {
        let events = Mutex<[PostgresListener.Event]>([])
    }

    private let storage = Storage()
    private let consumer: Task<Void, Never>

    init(_ listener: PostgresListener) {
        let stream = listener.events()
        let storage = self.storage
        consumer = Task {
            for await event in stream { storage.events.withLock { $0.append(event) } }
        }
    }

    deinit { consumer.cancel() }

    /// Payloads of notifications on `channel` seen so far.
    func payloads(on channel: String) -> [String] {
        storage.events.withLock { events in
            events.compactMap { event in
                if case .notification(let notification) = event, notification.channel == channel {
                    return notification.payload
                }
                return nil
            }
        }
    }

    var reconnects: Int {
        storage.events.withLock { events in
            events.filter { if case .reconnected = $0 { true } else { false } }.count
        }
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    func wait(timeout: Duration = .seconds(10), until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
