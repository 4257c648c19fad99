import CLibPQ
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// LISTENs on a dedicated connection and thread (`poll()` on the libpq socket, `PQconsumeInput`
/// before `PQnotifies`). After the connection breaks (e.g. a server restart) it reconnects with
/// backoff, LISTENs again and then yields `.reconnected`, so consumers re-poll whatever they wait
/// for: nothing sent while it was disconnected is replayed.
public final class PostgresListener: Sendable {
    public enum Event: Sendable {
        case notification(PostgresNotification)
        /// The listener is LISTENing again after losing its connection; notifications may have been missed.
        case reconnected
    }

    public let configuration: PostgresConfiguration
    public let channels: [String]
    private let stream: AsyncStream<Event>
    private let core: ListenerCore

    /// Starts listening at once, on a thread of its own.
    /// - Parameter channels: exact channel names (sent quoted, so case and punctuation matter:
    ///   `NOTIFY jobs` and `pg_notify('jobs', ...)` reach "jobs"). Events are buffered until consumed.
    public init(configuration: PostgresConfiguration, channels: [String]) {
        self.configuration = configuration
        self.channels = channels
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        self.stream = stream
        self.core = ListenerCore(configuration: configuration, channels: channels, continuation: continuation)
        core.start()
    }

    deinit {
        core.stop(join: false)
    }

    /// The events, for one consumer. The stream finishes after `stop()`.
    public func events() -> AsyncStream<Event> { stream }

    /// Returns once the LISTEN commands have run (so a NOTIFY sent afterwards is heard), or after `stop()`.
    public func waitUntilListening() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.whenListening { continuation.resume() }
        }
    }

    /// Closes the connection, joins the thread and finishes the event stream.
    public func stop() {
        core.stop(join: true)
    }
}

/// The listener's thread and state. Shared between the caller and the thread; the mutable parts
/// live in a `Mutex`, the connection only on the thread.
final class ListenerCore: Sendable {
    private struct State {
        var isStopped = false
        var isListening = false
        var waiters: [@Sendable () -> Void] = []
        var thread: OwnedThread?
    }

    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let continuation: AsyncStream<PostgresListener.Event>.Continuation
    private let state = Mutex(State())
    /// An eventfd that `stop()` writes to, so the thread leaves `poll()` at once.
    private let wakeDescriptor: Int32

    init(
        configuration: PostgresConfiguration, channels: [String],
        continuation: AsyncStream<PostgresListener.Event>.Continuation
    ) {
        var configuration = configuration
        configuration.reconnectWaitMs = 0  // the loop below does its own waiting, interruptibly
        configuration.statementCacheCapacity = 0
        self.configuration = configuration
        self.channels = channels
        self.continuation = continuation
        self.wakeDescriptor = sy_eventfd()
    }

    deinit {
        if wakeDescriptor >= 0 { close(wakeDescriptor) }
    }

    func start() {
        let thread = OwnedThread.start(name: "sy-pg-listen") { [self] in run() }
        state.withLock { $0.thread = thread }
    }

    func whenListening(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.isListening || state.isStopped { return true }
            state.waiters.append(action)
            return false
        }
        if now { action() }
    }

    func stop(join: Bool) {
        let thread = state.withLock { state -> OwnedThread? in
            state.isStopped = true
            defer { state.thread = nil }
            return state.thread
        }
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
        guard let thread else { return }
        if join && !thread.isCurrent { thread.join() } else { thread.detach() }
    }

    private var isStopped: Bool { state.withLock { $0.isStopped } }

    private func setListening(_ listening: Bool) {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            state.isListening = listening
            guard listening else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter() }
    }

    private func run() {
        var connection: PostgresConnection?
        var hasListened = false
        var backoffMs = 50
        while !isStopped {
            guard let current = connection else {
                do {
                    let fresh = try PostgresConnection.connect(configuration)
                    for channel in channels {
                        try fresh.execute(unsafeSQL: "LISTEN \(PostgresConnection.quoteIdentifier(channel))")
                    }
                    connection = fresh
                } catch {
                    sleepInterruptibly(milliseconds: backoffMs)
                    backoffMs = min(backoffMs * 2, 1_000)
                    continue
                }
                backoffMs = 50
                setListening(true)
                if hasListened { continuation.yield(.reconnected) }
                hasListened = true
                continue
            }
            var descriptors = [
                pollfd(fd: current.socketDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, 1_000)
            if ready < 0 && errno != EINTR {
                current.close()
                connection = nil
                setListening(false)
                continue
            }
            if descriptors[1].revents != 0 { drainWakeDescriptor() }
            if descriptors[0].revents != 0 {
                let alive = current.consumeInput()
                for notification in current.takeNotifications() {
                    continuation.yield(.notification(notification))
                }
                if !alive {
                    current.close()
                    connection = nil
                    setListening(false)
                }
            }
        }
        connection?.close()
        continuation.finish()
        setListening(true)  // releases waiters; nothing more will come
    }

    private func sleepInterruptibly(milliseconds: Int) {
        var descriptor = pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, Int32(milliseconds)) > 0 { drainWakeDescriptor() }
    }

    private func drainWakeDescriptor() {
        var value: UInt64 = 0
        _ = read(wakeDescriptor, &value, 8)
    }
}
