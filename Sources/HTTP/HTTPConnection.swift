/// The state of one accepted connection. Owned and touched only by the event-loop thread.
final class HTTPConnection {
    enum Phase {
        /// Reading a request (or waiting for the next one on a kept-alive connection).
        case reading
        /// A handler is running for the last request; nothing more is parsed until it answers.
        case handling
        /// The last response carries `Connection: close`; close once the output is flushed.
        case closingAfterWrite
        /// Output flushed and our side shut down; reading and discarding until the peer closes,
        /// so unread request bytes do not turn our close into a RST that eats the response.
        case lingering
    }

    let fd: Int32
    /// Distinguishes this connection from an earlier one that had the same descriptor number.
    let generation: UInt32
    var parser: HTTPRequestParser
    var phase = Phase.reading

    /// Bytes to send, from `outputOffset` on.
    var output: [UInt8] = []
    var outputOffset = 0
    /// Queued in the loop's dirty list for a flush at the end of this iteration.
    var isDirty = false
    /// The epoll events currently registered.
    var interest: UInt32

    /// The peer has shut down its sending side (read returned 0).
    var peerClosed = false
    /// Absolute monotonic deadline for the current phase in ms; 0 for none.
    var deadline: Int64 = 0
    /// When the current request's first byte was consumed (for the header deadline); 0 between requests.
    var requestStartMs: Int64 = 0
    /// Whether the connection has served any request (distinguishes idle from never-used).
    var servedRequests = 0

    /// Per-request facts recorded from the head, used when the request completes.
    var keepAlive = true
    var isHeadRequest = false
    /// An HTTP/1.0 client needs `Connection: keep-alive` to know the connection stays open.
    var isHTTP10 = false
    var match: HTTPRouter.Match = .notFound
    /// The running handler's signal, fired if the peer goes away before it answers.
    var disconnect: HTTPDisconnectSignal?

    init(fd: Int32, generation: UInt32, limits: HTTPParserLimits, interest: UInt32) {
        self.fd = fd
        self.generation = generation
        parser = HTTPRequestParser(limits: limits)
        self.interest = interest
    }

    var hasPendingOutput: Bool { outputOffset < output.count }

    /// The epoll tag: generation in the high half, descriptor in the low half.
    var tag: UInt64 { UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd)) }
}
