import CLibPQ

#if canImport(Glibc)
import Glibc
#endif

/// A thread this module owns (a plain pthread, joinable), for blocking libpq work off the Swift
/// concurrency pool.
struct OwnedThread: Sendable {
    let id: pthread_t

    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (Linux keeps the first 15 bytes).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> OwnedThread {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var id = pthread_t()
        let status = pthread_create(&id, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            sy_set_thread_name(box.name)
            box.body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        return OwnedThread(id: id)
    }

    var isCurrent: Bool { pthread_equal(id, pthread_self()) != 0 }

    /// Waits for the thread to end. Must not be called from the thread itself.
    func join() {
        pthread_join(id, nil)
    }

    /// Lets the thread's resources go when it ends, without waiting.
    func detach() {
        pthread_detach(id)
    }
}
