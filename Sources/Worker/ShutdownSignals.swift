import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The write end of the pipe the signal handler writes each signal's number to (-1 until `hold()`).
/// A plain global: the handler must not touch anything but this and `write`.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns SIGTERM and SIGINT into calls on a thread of its own (never on the concurrency pool): the
/// first asks for a graceful stop, a second one for an immediate one.
///
/// No signal is lost. `hold()` — called first thing in `main`, before any other thread exists —
/// installs a handler that writes the signal's number to a pipe, and starts one thread that reads
/// the pipe. Every other thread inherits a mask that blocks both signals (no EINTR in epoll or
/// libpq loops); they reach the reading thread, or the main thread that libdispatch parks in
/// `sigsuspend` with an empty mask. A signal that arrives while no handler is attached gets its
/// default action (the process ends by it), as it would without this type; one that arrives after
/// `init` goes to the handler. (Dispatch signal sources, used before, register asynchronously
/// after `resume()` with the signal already set to SIG_IGN: a SIGTERM in that window was dropped
/// and a just-restarted worker never stopped.)
public final class ShutdownSignals: Sendable {
    /// The signals handled.
    public static let numbers: [Int32] = [SIGTERM, SIGINT]

    private struct Shared {
        var held = false
        var handler: (@Sendable (_ signal: Int32, _ count: Int) -> Void)?
        var owner: ObjectIdentifier?
        var count = 0
    }

    private static let shared = Mutex(Shared())

    /// Installs the handler and starts the thread that takes the signals; blocks them in the calling
    /// thread, and so in every thread it starts later. Idempotent.
    public static func hold() {
        let first = shared.withLock { state in
            defer { state.held = true }
            return !state.held
        }
        guard first else { return }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        signalPipeWriteEnd = ends[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            let saved = errno
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(signalPipeWriteEnd, &byte, 1)
            errno = saved
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        for number in numbers { sigaction(number, &action, nil) }
        var set = signalSet(numbers)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let readEnd = ends[0]
        let thread = Thread { takeSignals(from: readEnd) }
        thread.name = "switchyard.signals"
        thread.start()
    }

    /// Attaches `handler` until this object is released (the previous handler, if any, is replaced).
    /// - Parameter handler: called with 1 for the first signal, 2 for the second, and so on.
    public convenience init(handler: @escaping @Sendable (_ count: Int) -> Void) {
        self.init(signalHandler: { _, count in handler(count) })
    }

    /// Attaches `signalHandler`, which also gets the signal's number.
    public init(signalHandler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void) {
        Self.hold()
        let id = ObjectIdentifier(self)
        Self.shared.withLock { state in
            state.handler = signalHandler
            state.owner = id
            state.count = 0
        }
    }

    deinit {
        let id = ObjectIdentifier(self)
        Self.shared.withLock { state in
            guard state.owner == id else { return }
            state.handler = nil
            state.owner = nil
        }
    }

    /// Waits for the first SIGTERM or SIGINT without holding a concurrency-pool thread.
    /// - Returns: the signal's number. A later signal gets its default action.
    public static func first() async -> Int32 {
        let continuation = Mutex<CheckedContinuation<Int32, Never>?>(nil)
        var signals: ShutdownSignals?
        let received = await withCheckedContinuation { (waiting: CheckedContinuation<Int32, Never>) in
            continuation.withLock { $0 = waiting }
            signals = ShutdownSignals(signalHandler: { number, _ in
                continuation.withLock { $0.take() }?.resume(returning: number)
            })
        }
        withExtendedLifetime(signals) {}
        return received
    }

    private static func signalSet(_ numbers: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        return set
    }

    private static func takeSignals(from readEnd: Int32) {
        var set = signalSet(numbers)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        while true {
            var byte: UInt8 = 0
            let count = read(readEnd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return }
            let number = Int32(byte)
            let call = shared.withLock { state -> ((@Sendable (Int32, Int) -> Void), Int)? in
                guard let handler = state.handler else { return nil }
                state.count += 1
                return (handler, state.count)
            }
            if let (handler, count) = call {
                handler(number, count)
            } else {
                endByDefault(number)
            }
        }
    }

    /// What the signal would have done with no handler: end the process by it.
    private static func endByDefault(_ number: Int32) -> Never {
        signal(number, SIG_DFL)
        raise(number)
        _exit(128 + number)
    }
}
