import Dispatch
import Foundation
import Synchronization

/// The one thread every ``Subprocess`` is started from.
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that started a child ends, not the process. The
/// concurrency pool's threads come and go (libdispatch retires idle workers), so a child started
/// from one would be signalled when that thread retires. This thread lives as long as the process.
public final class SpawnThread: Sendable {
    public static let shared = SpawnThread()

    private let pending = Mutex<[@Sendable () -> Void]>([])
    private let wake = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "switchyard.spawn"
        thread.start()
    }

    private func loop() -> Never {
        while true {
            wake.wait()
            let jobs = pending.withLock { jobs in
                defer { jobs.removeAll() }
                return jobs
            }
            for job in jobs { job() }
        }
    }

    /// Runs `body` on the spawn thread and waits for it, blocking the caller: for synchronous code
    /// that starts processes (test fixtures); async code uses `run`.
    public func runAndWait<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = BlockingOutcome<T>()
        pending.withLock {
            $0.append {
                outcome.result.withLock { $0 = Result { try body() } }
                outcome.done.signal()
            }
        }
        wake.signal()
        outcome.done.wait()
        return try outcome.result.withLock { $0! }.get()
    }

    /// Runs `body` on the spawn thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            pending.withLock { $0.append { continuation.resume(with: Result { try body() }) } }
            wake.signal()
        }
    }
}

/// The result of a `runAndWait` call and the semaphore its caller waits on.
private final class BlockingOutcome<T: Sendable>: Sendable {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<T, any Error>?>(nil)
}
