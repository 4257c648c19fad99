import CCurl
import Foundation
import Synchronization

/// The thread behind `UpstreamClient`: owns the libcurl multi handle, an epoll set, a pool of easy
/// handles, and every transfer in flight.
///
/// libcurl is driven with `curl_multi_socket_action`: its socket callback keeps the epoll set in step
/// with the sockets it wants watched, its timer callback sets the next deadline, and the thread acts
/// only on sockets that are ready. Unlike `curl_multi_perform`, whose cost grows with every transfer
/// in flight, each wake-up costs what the ready sockets cost, so thousands of slow calls can wait.
/// Other threads hand work over through `state` and wake the thread with an eventfd.
///
/// `@unchecked Sendable`: the multi handle, the epoll set, `active`, `easyPool`, `watched` and
/// `timerDeadline` are touched only by the curl thread (libcurl runs its callbacks on that thread);
/// everything other threads touch is in `state` (a `Mutex`) or atomic, and they write the eventfd
/// only while holding the lock, before the thread marks itself exited and closes it.
final class CurlMultiLoop: @unchecked Sendable {
    private struct State {
        var incoming: [CurlTransfer] = []
        var cancelled: [UInt64] = []
        /// A wakeup was sent and the thread has not drained the queue since: no need for another.
        var wakeupPending = false
        var stopping = false
        var exited = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let configuration: UpstreamClient.Configuration
    let outstanding = Atomic<Int>(0)
    private let state = Mutex(State())
    private let multi: UnsafeMutableRawPointer
    private let epollFD: Int32
    private let wakeFD: Int32

    // Curl thread only.
    private var active: [UInt64: CurlTransfer] = [:]
    private var easyPool: [CurlEasyHandle] = []
    /// Sockets in the epoll set, so libcurl's updates become EPOLL_CTL_ADD or _MOD.
    private var watched: Set<Int32> = []
    /// When libcurl wants `CURL_SOCKET_TIMEOUT` handled (monotonic nanoseconds), nil for never.
    private var timerDeadline: UInt64?

    init(configuration: UpstreamClient.Configuration) {
        self.configuration = configuration
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed") }
        self.multi = multi
        sy_multi_setopt_long(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
        sy_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxHostConnections)
        sy_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections)
        if let size = configuration.connectionCacheSize { sy_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, size) }
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard epollFD >= 0, wakeFD >= 0 else { fatalError("epoll/eventfd setup failed: errno \(errno)") }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)

        let context = Unmanaged.passUnretained(self).toOpaque()
        sy_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, context)
        sy_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, context)
        sy_multi_setopt_socketfn(multi) { _, socket, what, context, _ in
            Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeUnretainedValue().watch(socket, what)
            return 0
        }
        sy_multi_setopt_timerfn(multi) { _, timeoutMs, context in
            Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeUnretainedValue().setTimer(timeoutMs)
            return 0
        }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.start()
    }

    // MARK: Any thread

    func submit(_ transfer: CurlTransfer) {
        outstanding.add(1, ordering: .relaxed)
        enum Decision { case queued, rejectCancelled, rejectStopped }
        let decision = state.withLock { s -> Decision in
            if s.stopping { return .rejectStopped }
            // Checked under the lock: a cancel that lands after this check is queued after the transfer.
            if Task.isCancelled { return .rejectCancelled }
            s.incoming.append(transfer)
            wakeLocked(&s)
            return .queued
        }
        switch decision {
        case .queued:
            break
        case .rejectCancelled:
            finishRejected(transfer, ProviderError(kind: .cancelled, message: "cancelled before it was sent"))
        case .rejectStopped:
            finishRejected(transfer, ProviderError(kind: .cancelled, message: "upstream client is shut down"))
        }
    }

    func cancel(_ id: UInt64) {
        state.withLock { s in
            if s.stopping { return }
            s.cancelled.append(id)
            wakeLocked(&s)
        }
    }

    func requestStop() {
        state.withLock { s in
            if s.stopping { return }
            s.stopping = true
            wakeLocked(&s)
        }
    }

    /// Signals the eventfd unless a signal is already pending. Called with the lock held, so it
    /// never writes to a descriptor the exiting thread has closed.
    private func wakeLocked(_ s: inout State) {
        if s.wakeupPending || s.exited { return }
        s.wakeupPending = true
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    func stop() async {
        requestStop()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.exited { return true }
                s.stopWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    private func finishRejected(_ transfer: CurlTransfer, _ error: ProviderError) {
        resume(transfer, .failure(error))
    }

    // MARK: Curl thread

    private func run() {
        // Named so `top -H` and profilers show which thread is the curl loop.
        sy_set_current_thread_name("switchyard-curl")
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var running: Int32 = 0
        while true {
            let (incoming, cancelled, stopping) = state.withLock { s in
                let taken = (s.incoming, s.cancelled, s.stopping)
                s.incoming.removeAll(keepingCapacity: true)
                s.cancelled.removeAll(keepingCapacity: true)
                return taken
            }
            for transfer in incoming { begin(transfer) }
            for id in cancelled {
                if let transfer = active[id] {
                    finish(transfer, .failure(ProviderError(kind: .cancelled, message: "cancelled")))
                }
            }
            if stopping { break }
            if let deadline = timerDeadline, deadline <= Self.monotonicNanoseconds() {
                timerDeadline = nil
                curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
                drainCompleted()
            }
            var waitMs: Int32 = 1000
            if let deadline = timerDeadline {
                let now = Self.monotonicNanoseconds()
                waitMs = deadline <= now ? 0 : Int32(min(1000, (deadline - now + 999_999) / 1_000_000))
            }
            let ready = epoll_wait(epollFD, &events, Int32(events.count), waitMs)
            if ready <= 0 { continue }
            for i in 0..<Int(ready) {
                let fd = events[i].data.fd
                let flags = events[i].events
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    state.withLock { $0.wakeupPending = false }
                    continue
                }
                var action: Int32 = 0
                if flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 { action |= CURL_CSELECT_IN }
                if flags & EPOLLOUT.rawValue != 0 { action |= CURL_CSELECT_OUT }
                if flags & EPOLLERR.rawValue != 0 { action |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi, fd, action, &running)
            }
            drainCompleted()
        }
        for transfer in Array(active.values) {
            finish(transfer, .failure(ProviderError(kind: .cancelled, message: "upstream client is shut down")))
        }
        for easy in easyPool { easy.destroy() }
        easyPool.removeAll()
        curl_multi_cleanup(multi)
        let (late, waiters) = state.withLock { s in
            s.exited = true
            let taken = (s.incoming, s.stopWaiters)
            s.incoming.removeAll()
            s.stopWaiters.removeAll()
            return taken
        }
        close(wakeFD)
        close(epollFD)
        for transfer in late {
            finishRejected(transfer, ProviderError(kind: .cancelled, message: "upstream client is shut down"))
        }
        for waiter in waiters { waiter.resume() }
    }

    /// libcurl's socket callback: keep the epoll set in step with what libcurl wants to wait for.
    private func watch(_ socket: Int32, _ what: Int32) {
        if what == CURL_POLL_REMOVE {
            if watched.remove(socket) != nil { epoll_ctl(epollFD, EPOLL_CTL_DEL, socket, nil) }
            return
        }
        var event = epoll_event()
        if what & CURL_POLL_IN != 0 { event.events |= EPOLLIN.rawValue }
        if what & CURL_POLL_OUT != 0 { event.events |= EPOLLOUT.rawValue }
        event.data.fd = socket
        if watched.insert(socket).inserted {
            if epoll_ctl(epollFD, EPOLL_CTL_ADD, socket, &event) != 0, errno == EEXIST {
                epoll_ctl(epollFD, EPOLL_CTL_MOD, socket, &event)
            }
        } else if epoll_ctl(epollFD, EPOLL_CTL_MOD, socket, &event) != 0, errno == ENOENT {
            epoll_ctl(epollFD, EPOLL_CTL_ADD, socket, &event)
        }
    }

    /// libcurl's timer callback: -1 cancels the timer, 0 means "as soon as possible".
    private func setTimer(_ timeoutMs: Int) {
        timerDeadline = timeoutMs < 0 ? nil : Self.monotonicNanoseconds() + UInt64(timeoutMs) * 1_000_000
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private func begin(_ transfer: CurlTransfer) {
        guard let easy = easyPool.popLast() ?? CurlEasyHandle() else {
            finish(transfer, .failure(ProviderError(kind: .network, message: "curl_easy_init failed")))
            return
        }
        transfer.easy = easy
        active[transfer.id] = transfer
        let configured = configure(easy, for: transfer)
        if configured != CURLE_OK {
            let text = String(cString: curl_easy_strerror(configured))
            finish(transfer, .failure(ProviderError(kind: .network, message: "invalid request: \(text)", providerCode: "curl \(configured.rawValue)")), added: false)
            return
        }
        let added = curl_multi_add_handle(multi, easy.handle)
        if added != CURLM_OK {
            let text = String(cString: curl_multi_strerror(added))
            finish(transfer, .failure(ProviderError(kind: .network, message: text)), added: false)
        }
    }

    /// Sets every option of one attempt on a (reset) easy handle.
    private func configure(_ easy: CurlEasyHandle, for transfer: CurlTransfer) -> CURLcode {
        let h = easy.handle
        let request = transfer.request
        var code = CURLE_OK
        func check(_ c: CURLcode) { if code == CURLE_OK { code = c } }
        easy.errorBuffer[0] = 0
        check(sy_easy_setopt_str(h, CURLOPT_URL, request.url))
        check(sy_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        check(sy_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, transfer.timeoutMs))
        check(sy_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, min(transfer.timeoutMs, configuration.connectTimeoutMs)))
        check(sy_easy_setopt_ptr(h, CURLOPT_ERRORBUFFER, easy.errorBuffer))
        check(sy_easy_setopt_str(h, CURLOPT_USERAGENT, configuration.userAgent))
        check(sy_easy_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1))
        if configuration.http2 {
            check(sy_easy_setopt_long(h, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)))
            if request.url.hasPrefix("https:") { check(sy_easy_setopt_long(h, CURLOPT_PIPEWAIT, 1)) }
        } else {
            check(sy_easy_setopt_long(h, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        // libcurl would add `Expect: 100-continue` to larger POSTs and wait a round trip for it.
        list = curl_slist_append(list, "Expect:")
        transfer.headerList = list
        check(sy_easy_setopt_slist(h, CURLOPT_HTTPHEADER, list))

        switch request.method {
        case "GET":
            check(sy_easy_setopt_long(h, CURLOPT_HTTPGET, 1))
        case "POST":
            check(sy_easy_setopt_long(h, CURLOPT_POST, 1))
        default:
            check(sy_easy_setopt_str(h, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if request.method != "GET" {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, request.body.count), alignment: 1)
            request.body.withUnsafeBytes { source in buffer.copyMemory(from: source) }
            transfer.requestBody = buffer
            check(sy_easy_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            check(sy_easy_setopt_ptr(h, CURLOPT_POSTFIELDS, buffer.baseAddress))
        }

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        check(sy_easy_setopt_ptr(h, CURLOPT_PRIVATE, context))
        check(sy_easy_setopt_ptr(h, CURLOPT_WRITEDATA, context))
        check(sy_easy_setopt_ptr(h, CURLOPT_HEADERDATA, context))
        check(sy_easy_setopt_writefn(h) { data, size, count, context in
            let total = size * count
            guard let data, let context else { return total }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.appendBody(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
        })
        check(sy_easy_setopt_headerfn(h) { data, size, count, context in
            let total = size * count
            guard let data, let context else { return total }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            transfer.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: total))
            return total
        })
        return code
    }

    private func drainCompleted() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            var context: UnsafeMutableRawPointer?
            sy_easy_getinfo_ptr(handle, CURLINFO_PRIVATE, &context)
            guard let context else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            finish(transfer, outcome(of: transfer, handle: handle, result: result))
        }
    }

    private func outcome(of transfer: CurlTransfer, handle: UnsafeMutableRawPointer, result: CURLcode) -> Result<UpstreamResponse, ProviderError> {
        var firstByte: curl_off_t = 0
        var total: curl_off_t = 0
        sy_easy_getinfo_off(handle, CURLINFO_STARTTRANSFER_TIME_T, &firstByte)
        sy_easy_getinfo_off(handle, CURLINFO_TOTAL_TIME_T, &total)
        if result == CURLE_OK {
            var status = 0
            sy_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(UpstreamResponse(
                status: status, headers: transfer.responseHeaders, body: transfer.responseBody,
                timeToFirstByte: Double(firstByte) / 1_000_000, latency: Double(total) / 1_000_000))
        }
        var detail = transfer.easy.map { String(cString: $0.errorBuffer) } ?? ""
        if detail.isEmpty { detail = String(cString: curl_easy_strerror(result)) }
        let code = "curl \(result.rawValue)"
        switch result {
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(ProviderError(kind: .timeout, message: "no complete answer within \(transfer.timeoutMs) ms: \(detail)", providerCode: code))
        case CURLE_WRITE_ERROR where transfer.responseTooLarge:
            return .failure(ProviderError(kind: .network, message: "response larger than \(transfer.maxResponseBytes) bytes", providerCode: code))
        default:
            return .failure(ProviderError(kind: .network, message: detail, providerCode: code))
        }
    }

    /// Removes the transfer from libcurl and our tables, recycles its easy handle, resumes the caller.
    private func finish(_ transfer: CurlTransfer, _ result: Result<UpstreamResponse, ProviderError>, added: Bool = true) {
        if let easy = transfer.easy {
            if added { curl_multi_remove_handle(multi, easy.handle) }
            curl_easy_reset(easy.handle)
            easyPool.append(easy)
            transfer.easy = nil
        }
        transfer.releaseResources()
        active[transfer.id] = nil
        resume(transfer, result)
    }

    /// Resumes the caller once; the count drops first so a caller that returned sees it settled.
    private func resume(_ transfer: CurlTransfer, _ result: Result<UpstreamResponse, ProviderError>) {
        guard let continuation = transfer.takeContinuation() else { return }
        outstanding.subtract(1, ordering: .relaxed)
        continuation.resume(with: result.mapError { $0 as any Error })
    }
}
