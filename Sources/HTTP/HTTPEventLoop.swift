#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The epoll loop of one `HTTPServer`, run on a thread it owns (level-triggered).
///
/// Accepts connections, reads and parses requests, starts handler tasks on the concurrency pool,
/// takes their responses back through `HTTPLoopMailbox`, writes, and enforces deadlines. Every
/// connection's state is touched only here, so none of it needs a lock.
final class HTTPEventLoop {
    static let listenTag = UInt64.max
    static let wakeTag = UInt64.max - 1
    static let readEvents = EPOLLIN.rawValue
    static let writeEvents = EPOLLOUT.rawValue
    /// How long a closing connection keeps draining unread input before it is closed anyway.
    static let lingerMs: Int64 = 2_000
    /// Unparsed input allowed to pile up behind a running handler before reading pauses.
    static let maxBufferedWhileHandling = 256 * 1024
    /// Unsent output beyond which no further pipelined request is answered until the peer reads.
    static let maxPendingOutput = 1 << 20

    let configuration: HTTPServerConfiguration
    let router: HTTPRouter
    let mailbox: HTTPLoopMailbox
    let limits: HTTPParserLimits
    let epollFD: Int32
    var listenFD: Int32
    let onExit: @Sendable () -> Void

    var connections: [HTTPConnection?] = []
    var connectionCount = 0
    var nextGeneration: UInt32 = 1
    var dirty: [HTTPConnection] = []
    var encoder = HTTPResponseEncoder()
    var now: Int64 = Socket.monotonicMs()
    /// When to scan connections for expired deadlines next.
    var nextTimerCheck: Int64 = .max
    /// Accepting paused after EMFILE/ENFILE until this time; 0 when not paused.
    var acceptPausedUntil: Int64 = 0
    var shutdownDeadline: Int64?
    let readBuffer: UnsafeMutableRawBufferPointer
    var completions: [HTTPLoopMailbox.Completion] = []
    /// Deferred responses not yet due (`HTTPResponse.deferred`).
    var held = HTTPHeldResponses()

    init(
        configuration: HTTPServerConfiguration, router: HTTPRouter, mailbox: HTTPLoopMailbox,
        epollFD: Int32, listenFD: Int32, onExit: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.router = router
        self.mailbox = mailbox
        self.epollFD = epollFD
        self.listenFD = listenFD
        self.onExit = onExit
        limits = HTTPParserLimits(
            maxHeaderBytes: configuration.maxHeaderBytes, maxHeaderCount: configuration.maxHeaderCount,
            maxBodyBytes: configuration.maxBodyBytes)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// Registers the listening socket and the mailbox's eventfd with `epollFD`.
    /// - Throws: `HTTPServerError` when `epoll_ctl` fails.
    static func register(epollFD: Int32, listenFD: Int32, wakeFD: Int32) throws {
        var event = epoll_event()
        event.events = readEvents
        event.data.u64 = listenTag
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, listenFD, &event) == 0 else { throw HTTPServerError("epoll_ctl", errno: errno) }
        event.data.u64 = wakeTag
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0 else { throw HTTPServerError("epoll_ctl", errno: errno) }
    }

    /// Runs until shutdown has closed every connection.
    func run() {
        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        encoder.refreshDate()
        while true {
            let count = epoll_wait(epollFD, events, Int32(capacity), waitTimeout())
            now = Socket.monotonicMs()
            encoder.refreshDate()
            if count < 0 && errno != EINTR { break }
            var wake = false
            for index in 0 ..< max(0, Int(count)) {
                let event = events[index]
                switch event.data.u64 {
                case Self.listenTag: acceptConnections()
                case Self.wakeTag: wake = true
                default: handle(event: event.events, tag: event.data.u64)
                }
            }
            if wake { drainMailbox() }
            if !held.isEmpty { releaseHeld(nowUs: Socket.monotonicUs()) }
            flushDirty()
            if now >= nextTimerCheck || (acceptPausedUntil > 0 && now >= acceptPausedUntil) { checkTimers() }
            if let shutdownDeadline {
                if connectionCount == 0 { break }
                if now >= shutdownDeadline {
                    closeAll()
                    break
                }
            }
        }
        closeAll()
        if listenFD >= 0 { close(listenFD) }
        close(epollFD)
        mailbox.close()
        onExit()
    }

    private func waitTimeout() -> Int32 {
        var deadline = nextTimerCheck
        if acceptPausedUntil > 0 { deadline = min(deadline, acceptPausedUntil) }
        if let shutdownDeadline { deadline = min(deadline, shutdownDeadline) }
        var timeout = deadline == .max ? Int64.max : max(0, deadline - Socket.monotonicMs())
        if let release = held.nextReleaseUs {
            // Rounded up: waking early would only loop once more; the release itself compares µs.
            timeout = min(timeout, max(0, (release - Socket.monotonicUs() + 999) / 1_000))
        }
        return timeout == .max ? -1 : Int32(clamping: timeout)
    }

    private func acceptConnections() {
        while listenFD >= 0 {
            let fd = switchyard_accept4(listenFD, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: stop polling the listener for a moment instead of spinning.
                    var event = epoll_event()
                    epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, &event)
                    acceptPausedUntil = now + 100
                    return
                default: return
                }
            }
            if connectionCount >= configuration.maxConnections {
                close(fd)
                continue
            }
            Socket.setNoDelay(fd)
            let generation = nextGeneration
            nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
            let connection = HTTPConnection(fd: fd, generation: generation, limits: limits, interest: Self.readEvents)
            var event = epoll_event()
            event.events = Self.readEvents
            event.data.u64 = connection.tag
            guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
                close(fd)
                continue
            }
            let index = Int(fd)
            if index >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: index - connections.count + 1 + 64))
            }
            connections[index] = connection
            connectionCount += 1
            setDeadline(connection, now + Int64(configuration.headerTimeoutMs))
        }
    }

    /// The live connection an event tag names, or `nil` when that descriptor has since been
    /// closed (and possibly reused by a newer connection).
    func connection(forTag tag: UInt64) -> HTTPConnection? {
        let index = Int(tag & 0xFFFF_FFFF)
        guard index < connections.count, let connection = connections[index],
            connection.generation == UInt32(truncatingIfNeeded: tag >> 32) else { return nil }
        return connection
    }

    private func drainMailbox() {
        let shutdownGraceMs = mailbox.take(into: &completions)
        let nowUs = completions.contains { $0.response.releaseAtUs > 0 } ? Socket.monotonicUs() : 0
        for completion in completions {
            if completion.response.releaseAtUs > nowUs && !isShuttingDown {
                held.insert(completion)
            } else {
                deliver(completion)
            }
        }
        completions.removeAll(keepingCapacity: true)
        if let shutdownGraceMs, shutdownDeadline == nil { beginShutdown(graceMs: shutdownGraceMs) }
    }

    /// Sends the held responses due at `nowUs` (every one when it is `.max`).
    private func releaseHeld(nowUs: Int64) {
        for completion in held.takeDue(nowUs: nowUs) { deliver(completion) }
    }

    private func deliver(_ completion: HTTPLoopMailbox.Completion) {
        let tag = UInt64(completion.generation) << 32 | UInt64(UInt32(bitPattern: completion.fd))
        guard let connection = connection(forTag: tag) else { return }
        complete(connection, with: completion.response)
    }

    func setDeadline(_ connection: HTTPConnection, _ deadline: Int64) {
        connection.deadline = deadline
        if deadline > 0 && deadline < nextTimerCheck { nextTimerCheck = deadline }
    }

    private func checkTimers() {
        if acceptPausedUntil > 0 && now >= acceptPausedUntil && listenFD >= 0 && shutdownDeadline == nil {
            acceptPausedUntil = 0
            var event = epoll_event()
            event.events = Self.readEvents
            event.data.u64 = Self.listenTag
            epoll_ctl(epollFD, EPOLL_CTL_ADD, listenFD, &event)
            acceptConnections()
        }
        var next = Int64.max
        for case let connection? in connections where connection.deadline > 0 {
            if connection.deadline <= now {
                expire(connection)
            }
            if connections[Int(connection.fd)] === connection, connection.deadline > 0 {
                next = min(next, connection.deadline)
            }
        }
        nextTimerCheck = next
        flushDirty()
    }

    /// Stops accepting, closes idle connections and lets the others finish within `graceMs`.
    private func beginShutdown(graceMs: Int) {
        shutdownDeadline = now + Int64(max(0, graceMs))
        releaseHeld(nowUs: .max)
        if listenFD >= 0 {
            close(listenFD)
            listenFD = -1
        }
        for case let connection? in connections where connection.phase == .reading && connection.parser.isIdle {
            if !connection.hasPendingOutput { closeConnection(connection) }
        }
    }

    private func closeAll() {
        for case let connection? in connections { closeConnection(connection) }
    }

    var isShuttingDown: Bool { shutdownDeadline != nil }
}
