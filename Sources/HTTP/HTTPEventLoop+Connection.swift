#if canImport(Glibc)
import Glibc
#endif
import CLinux

extension HTTPEventLoop {
    func handle(event: UInt32, tag: UInt64) {
        guard let connection = connection(forTag: tag) else { return }
        // EPOLLHUP: both directions are shut (a RST, or the peer's FIN after our own shutdown):
        // nothing can be sent any more, and level-triggered HUP cannot be masked.
        if event & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            closeConnection(connection)
            return
        }
        if event & (Self.writeEvents) != 0 {
            flush(connection)
            guard isOpen(connection) else { return }
        }
        if event & Self.readEvents != 0 {
            readAvailable(connection)
        }
    }

    func isOpen(_ connection: HTTPConnection) -> Bool {
        let index = Int(connection.fd)
        return index < connections.count && connections[index] === connection
    }

    private func readAvailable(_ connection: HTTPConnection) {
        var received = false
        // Bounded per event so one fast sender cannot hold the loop; level-triggered epoll reports
        // the rest next time.
        for _ in 0 ..< 16 {
            let count = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if count > 0 {
                received = true
                if connection.phase == .lingering { continue }
                connection.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0 ..< count]))
                if count < readBuffer.count { break }
                if connection.parser.bufferedByteCount > Self.maxBufferedWhileHandling { break }
                continue
            }
            if count == 0 {
                connection.peerClosed = true
                break
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: break
            default:
                closeConnection(connection)
                return
            }
            break
        }
        if connection.phase == .lingering {
            if connection.peerClosed { closeConnection(connection) }
            return
        }
        if received { advance(connection) }
        guard isOpen(connection) else { return }
        if connection.peerClosed {
            // The peer sent everything it will send. Answer a request already received (it may have
            // half-closed after sending it); otherwise there is nobody left to talk to. A running
            // handler is told: a client that stops sending has, in practice, gone away.
            if connection.phase == .handling { fireDisconnect(connection) }
            if connection.phase == .handling || connection.hasPendingOutput || connection.isDirty {
                updateInterest(connection)
            } else {
                closeConnection(connection)
            }
            return
        }
        updateInterest(connection)
    }

    /// Parses and dispatches buffered requests until one needs a handler, more bytes, or the
    /// connection is closing.
    func advance(_ connection: HTTPConnection) {
        // Stop answering pipelined requests while a slow reader has not taken earlier answers.
        while connection.phase == .reading && connection.output.count - connection.outputOffset < Self.maxPendingOutput {
            let progress: HTTPRequestParser.Progress
            do {
                progress = try connection.parser.parse()
            } catch {
                respondAndClose(connection, .error(status: error.status, message: error.message, code: Self.code(for: error.status)))
                return
            }
            switch progress {
            case .needMoreData:
                if connection.parser.isInsideRequest {
                    // The head must arrive within the header timeout from its first byte; a body
                    // only has to keep making progress.
                    if connection.requestStartMs == 0 { connection.requestStartMs = now }
                    let from = connection.parser.isReadingHead ? connection.requestStartMs : now
                    setDeadline(connection, from + Int64(configuration.headerTimeoutMs))
                } else if connection.servedRequests > 0 {
                    setDeadline(connection, now + Int64(configuration.idleTimeoutMs))
                }
                return
            case .head(let head):
                if connection.requestStartMs == 0 { connection.requestStartMs = now }
                connection.keepAlive = head.keepAlive
                connection.isHeadRequest = head.request.method == "HEAD"
                connection.isHTTP10 = head.request.version == "HTTP/1.0"
                connection.match = router.match(method: head.request.method, rawPath: head.request.rawPath)
                var limit = configuration.maxBodyBytes
                if case .found(let route, _) = connection.match, let routeLimit = route.bodyLimit { limit = routeLimit }
                connection.parser.bodyLimit = limit
                if let length = head.contentLength, length > limit {
                    respondAndClose(connection, .error(
                        status: 413, message: "request body exceeds \(limit) bytes", code: "request_too_large"))
                    return
                }
                if head.expectsContinue && head.hasBody && connection.parser.bufferedByteCount == 0 {
                    HTTPResponseEncoder.append("HTTP/1.1 100 Continue\r\n\r\n", to: &connection.output)
                    markDirty(connection)
                }
            case .request(var request):
                connection.requestStartMs = 0
                connection.servedRequests += 1
                switch connection.match {
                case .found(let route, let parameters):
                    request.pathParameters = parameters
                    let disconnect = request.disconnect
                    connection.disconnect = disconnect
                    connection.phase = .handling
                    setDeadline(connection, 0)
                    let mailbox = self.mailbox, fd = connection.fd, generation = connection.generation
                    let handler = route.handler
                    Task {
                        let response = await handler(request)
                        mailbox.post(.init(fd: fd, generation: generation, response: response))
                    }
                case .methodNotAllowed(let allowed):
                    respond(connection, HTTPRouter.methodNotAllowed(request, allowed: allowed))
                case .notFound:
                    respond(connection, HTTPRouter.notFound(request))
                }
                connection.match = .notFound
            }
        }
    }

    /// A handler's response arrived.
    func complete(_ connection: HTTPConnection, with response: HTTPResponse) {
        guard connection.phase == .handling else { return }
        connection.disconnect = nil
        if response.resetsConnection {
            closeConnection(connection, reset: true)
            return
        }
        connection.phase = .reading
        respond(connection, response)
        if connection.phase == .reading {
            advance(connection)
            if isOpen(connection) && connection.peerClosed && connection.phase == .reading && !connection.hasPendingOutput {
                closeConnection(connection)
                return
            }
        }
        if isOpen(connection) { updateInterest(connection) }
    }

    /// Queues `response` for the request just completed, honouring keep-alive and shutdown.
    private func respond(_ connection: HTTPConnection, _ response: HTTPResponse) {
        // A peer that half-closed still gets every request it sent answered; the connection closes
        // once nothing is left (see `flush`).
        let keepAlive = connection.keepAlive && !isShuttingDown
            && !(response.headers["Connection"]?.equalsIgnoringASCIICase("close") ?? false)
        encoder.encode(
            response, omitBody: connection.isHeadRequest, keepAlive: keepAlive,
            announceKeepAlive: connection.isHTTP10, into: &connection.output)
        markDirty(connection)
        if !keepAlive {
            connection.phase = .closingAfterWrite
        } else if !connection.parser.isInsideRequest {
            setDeadline(connection, now + Int64(configuration.idleTimeoutMs))
        }
    }

    /// Answers an error with `Connection: close` and stops reading requests.
    func respondAndClose(_ connection: HTTPConnection, _ response: HTTPResponse) {
        connection.isHeadRequest = false
        encoder.encode(response, omitBody: false, keepAlive: false, announceKeepAlive: false, into: &connection.output)
        connection.phase = .closingAfterWrite
        markDirty(connection)
    }

    func markDirty(_ connection: HTTPConnection) {
        if !connection.isDirty {
            connection.isDirty = true
            dirty.append(connection)
        }
    }

    func flushDirty() {
        // A flush can resume parsing and so dirty more connections: loop until none is left.
        while !dirty.isEmpty {
            let batch = dirty
            dirty.removeAll(keepingCapacity: true)
            for connection in batch {
                connection.isDirty = false
                if isOpen(connection) { flush(connection) }
            }
        }
    }

    /// Writes as much pending output as the socket takes; waits for EPOLLOUT on a partial write.
    func flush(_ connection: HTTPConnection) {
        while connection.hasPendingOutput {
            let sent = connection.output.withUnsafeBytes { bytes in
                send(connection.fd, bytes.baseAddress! + connection.outputOffset,
                     bytes.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                connection.outputOffset += sent
                continue
            }
            if sent < 0 && errno == EINTR { continue }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setDeadline(connection, now + Int64(configuration.idleTimeoutMs))
                updateInterest(connection)
                return
            }
            closeConnection(connection)
            return
        }
        if connection.output.capacity > 1 << 20 {
            connection.output = []
        } else {
            connection.output.removeAll(keepingCapacity: true)
        }
        connection.outputOffset = 0
        switch connection.phase {
        case .closingAfterWrite:
            if connection.peerClosed {
                closeConnection(connection)
            } else {
                shutdown(connection.fd, Int32(SHUT_WR))
                connection.phase = .lingering
                setDeadline(connection, now + Self.lingerMs)
                updateInterest(connection)
            }
        case .reading:
            if isShuttingDown && connection.parser.isIdle {
                closeConnection(connection)
                return
            }
            // Parsing may have paused behind this output (see `advance`).
            if connection.parser.bufferedByteCount > 0 { advance(connection) }
            guard isOpen(connection) else { return }
            if connection.peerClosed && connection.phase == .reading && !connection.hasPendingOutput && !connection.isDirty {
                closeConnection(connection)
                return
            }
            updateInterest(connection)
        case .handling, .lingering:
            updateInterest(connection)
        }
    }

    /// Registers the events the connection's state calls for, if they changed.
    func updateInterest(_ connection: HTTPConnection) {
        var wanted: UInt32 = 0
        // A dirty connection is flushed at the end of this iteration, which registers EPOLLOUT
        // only if the socket then refuses bytes: no epoll_ctl round trip per response.
        if connection.hasPendingOutput && !connection.isDirty { wanted |= Self.writeEvents }
        let wantsRead: Bool
        switch connection.phase {
        case .reading, .handling:
            wantsRead = !connection.peerClosed && connection.parser.bufferedByteCount < Self.maxBufferedWhileHandling
        case .lingering: wantsRead = !connection.peerClosed
        case .closingAfterWrite: wantsRead = false
        }
        if wantsRead { wanted |= Self.readEvents }
        guard wanted != connection.interest else { return }
        var event = epoll_event()
        event.events = wanted
        event.data.u64 = connection.tag
        epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event)
        connection.interest = wanted
    }

    /// A deadline passed.
    func expire(_ connection: HTTPConnection) {
        switch connection.phase {
        case .reading where connection.parser.isInsideRequest && !connection.hasPendingOutput:
            respondAndClose(connection, .error(
                status: 408, message: "request not received in time", code: "request_timeout"))
            setDeadline(connection, now + Self.lingerMs)
        case .handling:
            connection.deadline = 0
        default:
            closeConnection(connection)
        }
    }

    func closeConnection(_ connection: HTTPConnection, reset: Bool = false) {
        guard isOpen(connection) else { return }
        connections[Int(connection.fd)] = nil
        connectionCount -= 1
        connection.deadline = 0
        if reset { Socket.closeWithReset(connection.fd) } else { close(connection.fd) }
        fireDisconnect(connection)
    }

    /// Tells the running handler, if any, that nobody will read its answer.
    func fireDisconnect(_ connection: HTTPConnection) {
        guard let disconnect = connection.disconnect else { return }
        connection.disconnect = nil
        disconnect.fire()
    }

    static func code(for status: Int) -> String {
        switch status {
        case 408: return "request_timeout"
        case 413: return "request_too_large"
        case 417: return "expectation_failed"
        case 431: return "headers_too_large"
        case 501: return "not_implemented"
        case 505: return "http_version_not_supported"
        default: return "bad_request"
        }
    }
}
