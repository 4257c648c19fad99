import CCurl

/// A libcurl easy handle with its error buffer, pooled by the loop so connections and buffers are reused.
struct CurlEasyHandle {
    let handle: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
    }

    func destroy() {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }
}
