#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Synchronization

/// How handler tasks (and `shutdown`) talk to the event-loop thread: a Mutex-protected queue plus
/// an eventfd the loop polls. The loop never waits on a handler; a handler never touches a socket.
final class HTTPLoopMailbox: Sendable {
    struct Completion: Sendable {
        let fd: Int32
        let generation: UInt32
        let response: HTTPResponse
    }

    struct State {
        var completions: [Completion] = []
        /// An eventfd write is outstanding; further posts need not write again.
        var wakePending = false
        var shutdownGraceMs: Int?
        /// The loop has exited; posts are dropped and the eventfd is closed.
        var closed = false
    }

    let eventFD: Int32
    private let state = Mutex(State())

    /// - Throws: `HTTPServerError` when no eventfd can be created.
    init() throws {
        eventFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard eventFD >= 0 else { throw HTTPServerError("eventfd", errno: errno) }
    }

    /// Queues a handler's response for the loop thread.
    ///
    /// The eventfd is written under the lock, so `close()` cannot close it in between and let the
    /// write land on a reused descriptor number. Only the first post after a drain writes.
    func post(_ completion: Completion) {
        state.withLock { state in
            guard !state.closed else { return }
            state.completions.append(completion)
            if state.wakePending { return }
            state.wakePending = true
            eventfd_write(eventFD, 1)
        }
    }

    /// Asks the loop to shut down gracefully within `graceMs`.
    func requestShutdown(graceMs: Int) {
        state.withLock { state in
            guard !state.closed else { return }
            state.shutdownGraceMs = min(state.shutdownGraceMs ?? graceMs, graceMs)
            state.wakePending = true
            eventfd_write(eventFD, 1)
        }
    }

    /// Called by the loop thread: swaps the queued completions into `batch` (which must be empty)
    /// and returns the pending shutdown request, if any.
    func take(into batch: inout [Completion]) -> Int? {
        var value: eventfd_t = 0
        eventfd_read(eventFD, &value)
        return state.withLock { state -> Int? in
            swap(&state.completions, &batch)
            state.wakePending = false
            return state.shutdownGraceMs
        }
    }

    /// Called by the loop thread on exit.
    func close() {
        state.withLock { state in
            state.closed = true
            state.completions.removeAll()
            Glibc.close(eventFD)
        }
    }
}
