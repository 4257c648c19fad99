import CCurl
import Foundation
import Synchronization

/// The thread behind `UpstreamClient`: owns the libcurl multi handle, a pool of easy handles, and
/// every transfer in flight.
///
/// `@unchecked Sendable`: the multi handle, `active` and `easyPool` are touched only by the curl
/// thread (created in `start`, ended in `run`); everything other threads touch is in `state`
/// (a `Mutex`) or atomic, and `curl_multi_wakeup` is documented as callable from any thread.
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

    // Curl thread only.
    private var active: [UInt64: CurlTransfer] = [:]
    private var easyPool: [CurlEasyHandle] = []

    init(configuration: UpstreamClient.Configuration) {
        self.configuration = configuration
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed") }
        self.multi = multi
        sy_multi_setopt_long(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
        sy_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxHostConnections)
        sy_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections)
        if let size = configuration.connectionCacheSize { sy_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, size) }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "switchyard-curl"
        thread.start()
    }

    // MARK: Any thread

    func submit(_ transfer: CurlTransfer) {
        outstanding.add(1, ordering: .relaxed)
        enum Decision { case queued(wake: Bool), rejectCancelled, rejectStopped }
        let decision = state.withLock { s -> Decision in
            if s.stopping { return .rejectStopped }
            // Checked under the lock: a cancel that lands after this check is queued after the transfer.
            if Task.isCancelled { return .rejectCancelled }
            s.incoming.append(transfer)
            let wake = !s.wakeupPending
            s.wakeupPending = true
            return .queued(wake: wake)
        }
        switch decision {
        case .queued(let wake):
            if wake { curl_multi_wakeup(multi) }
        case .rejectCancelled:
            finishRejected(transfer, ProviderError(kind: .cancelled, message: "cancelled before it was sent"))
        case .rejectStopped:
            finishRejected(transfer, ProviderError(kind: .cancelled, message: "upstream client is shut down"))
        }
    }

    func cancel(_ id: UInt64) {
        let wake = state.withLock { s -> Bool in
            if s.stopping { return false }
            s.cancelled.append(id)
            let wake = !s.wakeupPending
            s.wakeupPending = true
            return wake
        }
        if wake { curl_multi_wakeup(multi) }
    }

    func requestStop() {
        let wake = state.withLock { s -> Bool in
            let first = !s.stopping
            s.stopping = true
            return first && !s.exited
        }
        if wake { curl_multi_wakeup(multi) }
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
        var running: Int32 = 0
        while true {
            let (incoming, cancelled, stopping) = state.withLock { s in
                let taken = (s.incoming, s.cancelled, s.stopping)
                s.incoming.removeAll(keepingCapacity: true)
                s.cancelled.removeAll(keepingCapacity: true)
                s.wakeupPending = false
                return taken
            }
            for transfer in incoming { begin(transfer) }
            for id in cancelled {
                if let transfer = active[id] {
                    finish(transfer, .failure(ProviderError(kind: .cancelled, message: "cancelled")))
                }
            }
            if stopping { break }
            curl_multi_perform(multi, &running)
            drainCompleted()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for transfer in Array(active.values) {
            finish(transfer, .failure(ProviderError(kind: .cancelled, message: "upstream client is shut down")))
        }
        for easy in easyPool { easy.destroy() }
        easyPool.removeAll()
        let (late, waiters) = state.withLock { s in
            s.exited = true
            let taken = (s.incoming, s.stopWaiters)
            s.incoming.removeAll()
            s.stopWaiters.removeAll()
            return taken
        }
        for transfer in late {
            finishRejected(transfer, ProviderError(kind: .cancelled, message: "upstream client is shut down"))
        }
        curl_multi_cleanup(multi)
        for waiter in waiters { waiter.resume() }
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
