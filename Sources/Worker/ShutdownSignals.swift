import Dispatch
import Foundation
import Synchronization

/// Turns SIGTERM and SIGINT into calls on a Dispatch queue of its own (never on the concurrency
/// pool): the first asks for a graceful stop, a second one for an immediate one.
public final class ShutdownSignals: Sendable {
    // DispatchSourceSignal is thread-safe; the sources are only kept alive here and cancelled in deinit.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// - Parameter handler: called with 1 for the first signal, 2 for the second, and so on.
    public init(signals: [Int32] = [SIGTERM, SIGINT], handler: @escaping @Sendable (_ count: Int) -> Void) {
        let queue = DispatchQueue(label: "switchyard.signals")
        let counter = SignalCounter()
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(counter.increment()) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}

/// Counts signals received.
private final class SignalCounter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}
