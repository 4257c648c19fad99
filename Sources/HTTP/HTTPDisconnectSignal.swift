import Synchronization

/// Tells a running handler that its client went away: the peer closed its side of the connection
/// (or reset it) before the response was written. A long-running handler — one that waits for a
/// job — can then stop waiting, or undo work nobody will read.
///
/// The server fires it from its event-loop thread, so `onDisconnect` callbacks must be short and
/// must not block (resume a continuation, set a flag). A request that did not come from a socket
/// (`HTTPRouter.handle` in tests) gets a signal that never fires unless `fire()` is called.
public final class HTTPDisconnectSignal: Sendable {
    private struct State {
        var fired = false
        var callbacks: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// True once the client is gone.
    public var isDisconnected: Bool { state.withLock { $0.fired } }

    /// Runs `callback` once when the client goes away — at once when it already has.
    public func onDisconnect(_ callback: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.fired { return true }
            state.callbacks.append(callback)
            return false
        }
        if runNow { callback() }
    }

    /// Marks the client gone and runs the callbacks (once; later calls do nothing).
    public func fire() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            if state.fired { return [] }
            state.fired = true
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback() }
    }
}
