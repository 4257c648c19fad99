import CCurl

/// One call in flight: the request, the caller's continuation, and the response being received.
///
/// `@unchecked Sendable`: a transfer is created by the caller and handed to the curl thread through
/// the loop's Mutex-protected queue; from then on only the curl thread reads or writes its mutable
/// state (libcurl callbacks run on that thread too), until it resumes the continuation exactly once.
final class CurlTransfer: @unchecked Sendable {
    let id: UInt64
    let request: UpstreamRequest
    let timeoutMs: Int
    private var continuation: CheckedContinuation<UpstreamResponse, any Error>?

    // Owned by the curl thread once submitted.
    var easy: CurlEasyHandle?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var requestBody: UnsafeMutableRawBufferPointer?
    var responseBody: [UInt8] = []
    var responseHeaders = UpstreamHeaders()
    var responseTooLarge = false
    let maxResponseBytes: Int

    init(
        id: UInt64, request: UpstreamRequest, timeoutMs: Int, maxResponseBytes: Int,
        continuation: CheckedContinuation<UpstreamResponse, any Error>
    ) {
        self.id = id
        self.request = request
        self.timeoutMs = timeoutMs
        self.maxResponseBytes = maxResponseBytes
        self.continuation = continuation
    }

    /// Takes the caller's continuation; nil if it was already taken, so each caller is resumed once.
    func takeContinuation() -> CheckedContinuation<UpstreamResponse, any Error>? {
        defer { continuation = nil }
        return continuation
    }

    /// Frees what libcurl referenced for this transfer (after the easy handle left the multi handle).
    func releaseResources() {
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        requestBody?.deallocate()
        requestBody = nil
    }

    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if responseBody.count + bytes.count > maxResponseBytes {
            responseTooLarge = true
            return false
        }
        responseBody.append(contentsOf: bytes)
        return true
    }

    /// One header line from libcurl: a status line starts a new header block (e.g. after a 100 or a
    /// redirect), so headers of an earlier block are dropped.
    func appendHeaderLine(_ line: UnsafeRawBufferPointer) {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        if end == 0 { return }
        if end >= 5, line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
            line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/")
        {
            responseHeaders.removeAll()
            return
        }
        guard let colon = line[0..<end].firstIndex(of: UInt8(ascii: ":")) else { return }
        var valueStart = colon + 1
        while valueStart < end, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<end]), as: UTF8.self)
        responseHeaders.add(name, value)
    }
}
