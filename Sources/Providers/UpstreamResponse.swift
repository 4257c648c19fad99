/// What came back from one provider call.
public struct UpstreamResponse: Sendable, Equatable {
    public var status: Int
    public var headers: UpstreamHeaders
    public var body: [UInt8]
    /// Time to first byte of the response, in seconds, measured by libcurl from the start of the attempt.
    public var timeToFirstByte: Double
    /// Whole attempt (queueing in the client excluded), in seconds.
    public var latency: Double

    public init(status: Int, headers: UpstreamHeaders = UpstreamHeaders(), body: [UInt8], timeToFirstByte: Double = 0, latency: Double = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.timeToFirstByte = timeToFirstByte
        self.latency = latency
    }
}
