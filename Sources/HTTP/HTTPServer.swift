#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Synchronization

/// An HTTP/1.1 server: non-blocking sockets and epoll on a thread it owns; handlers run as tasks on
/// the Swift concurrency pool and hand their responses back to that thread.
///
/// ```swift
/// let router = HTTPRouter()
/// router.add("GET", "/health") { _ in .text("ok") }
/// let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), router: router)
/// let port = try server.start()
/// …
/// await server.shutdown()
/// ```
public final class HTTPServer: Sendable {
    private struct State {
        var mailbox: HTTPLoopMailbox?
        var port: Int?
        var started = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public let configuration: HTTPServerConfiguration
    public let router: HTTPRouter
    private let state = Mutex(State())

    public init(configuration: HTTPServerConfiguration, router: HTTPRouter) {
        self.configuration = configuration
        self.router = router
    }

    /// The bound port once started.
    public var port: Int? { state.withLock { $0.port } }

    /// Binds, starts the epoll thread, and returns the bound port (an ephemeral one for port 0).
    /// Also ignores SIGPIPE process-wide.
    /// - Throws: `HTTPServerError` when binding fails or the server was already started.
    @discardableResult
    public func start() throws -> Int {
        signal(SIGPIPE, SIG_IGN)
        try state.withLock { state in
            guard !state.started else { throw HTTPServerError("the server was already started") }
            state.started = true
        }
        let listener: (fd: Int32, port: Int)
        let epollFD: Int32
        let mailbox: HTTPLoopMailbox
        do {
            listener = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
            epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard epollFD >= 0 else {
                let code = errno
                close(listener.fd)
                throw HTTPServerError("epoll_create1", errno: code)
            }
            do {
                mailbox = try HTTPLoopMailbox()
                try HTTPEventLoop.register(epollFD: epollFD, listenFD: listener.fd, wakeFD: mailbox.eventFD)
            } catch {
                close(listener.fd)
                close(epollFD)
                throw error
            }
        } catch {
            state.withLock { $0.finished = true }
            throw error
        }
        state.withLock { state in
            state.mailbox = mailbox
            state.port = listener.port
        }
        let configuration = configuration, router = router
        let thread = Thread { [self] in
            Thread.current.name = "http-epoll"
            let loop = HTTPEventLoop(
                configuration: configuration, router: router, mailbox: mailbox,
                epollFD: epollFD, listenFD: listener.fd, onExit: { self.loopExited() })
            loop.run()
        }
        thread.start()
        return listener.port
    }

    /// Stops accepting, closes idle connections, lets in-flight requests answer (with
    /// `Connection: close`) for up to `graceMs`, then closes everything. Returns when the loop
    /// thread has exited. Safe to call more than once, or on a server never started.
    public func shutdown(graceMs: Int = 5_000) async {
        let mailbox = state.withLock { state -> HTTPLoopMailbox? in
            state.finished ? nil : state.mailbox
        }
        guard let mailbox else { return }
        mailbox.requestShutdown(graceMs: graceMs)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func loopExited() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
