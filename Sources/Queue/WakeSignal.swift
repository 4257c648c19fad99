import Dispatch
import Synchronization

/// A wake-up for one waiting task: `signal()` wakes the waiter, or the next `wait` when nobody is
/// waiting yet (signals do not queue up beyond one). `wait(timeoutMs:)` also returns after the
/// timeout, which is how polling fallbacks are built. Timers run on Dispatch, not on a task.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter (or the next one).
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled, or after `timeoutMs` (nil: no timeout). One waiter at a time.
    public func wait(timeoutMs: Int?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation = state.withLock { state -> UInt64? in
                if state.pending {
                    state.pending = false
                    return nil
                }
                precondition(state.waiter == nil, "WakeSignal supports one waiter")
                state.generation &+= 1
                state.waiter = continuation
                return state.generation
            }
            guard let generation else {
                continuation.resume()
                return
            }
            if let timeoutMs {
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(max(0, timeoutMs))) { [self] in
                    expire(generation)
                }
            }
        }
    }

    private func expire(_ generation: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
