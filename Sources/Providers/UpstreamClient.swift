import CCurl
import Synchronization

/// The HTTP client for provider calls: libcurl's multi interface driven by one thread this client owns.
///
/// Calls from any task are queued (Mutex-protected) to the curl thread, which an eventfd wakes; the
/// thread drives libcurl with `curl_multi_socket_action` from an epoll loop (see `CurlMultiLoop`)
/// and resumes each caller's continuation exactly once — with the response, a timeout, a network
/// error, or `.cancelled` when the task is cancelled or the client shuts down.
///
/// No retries are made here (the gateway decides); connections are kept alive and reused; HTTP/2
/// is negotiated over TLS and requests to one host are multiplexed on a connection.
public final class UpstreamClient: Sendable {
    public struct Configuration: Sendable {
        /// Connections per host (`CURLMOPT_MAX_HOST_CONNECTIONS`); 0 = unlimited. Extra calls wait in
        /// libcurl's pending list, which libcurl 7.88 walks on every completed call: keep the calls
        /// in flight per host within a few times this limit (measured: 32 connections with 1,024 calls
        /// in flight cost the curl thread ~2.4× the CPU per call of 32 in flight).
        public var maxHostConnections = 0
        /// All connections (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); 0 = unlimited.
        public var maxTotalConnections = 0
        /// Idle connections kept for reuse (`CURLMOPT_MAXCONNECTS`). libcurl's default (4 × the calls
        /// in flight) shrinks between bursts and closes connections the next burst needs again.
        public var connectionCacheSize: Int? = 1024
        /// Multi handles, each on a thread of its own. libcurl 7.88 walks a host's connections (and
        /// pending calls) per call, so its CPU per call grows with the calls in flight on one handle;
        /// spreading them keeps that walk short.
        public var loops = 1
        /// Connect phase limit; the whole attempt is bounded by `send`'s `timeoutMs` anyway.
        public var connectTimeoutMs = 10_000
        /// Negotiate HTTP/2 over TLS (ALPN) and multiplex; cleartext URLs always use HTTP/1.1.
        public var http2 = true
        /// Larger bodies fail the call with `.network` instead of exhausting memory.
        public var maxResponseBytes = 64 << 20
        public var userAgent = "switchyard"

        public init() {}

        /// The defaults, with room in the connection cache for `callsInFlight` connections, so a
        /// burst of that many calls finds its connections still open the next time.
        public init(callsInFlight: Int) {
            loops = max(1, min(4, (callsInFlight + 511) / 512))
            connectionCacheSize = max(1_024, (callsInFlight + loops - 1) / loops)
        }
    }

    /// One multi handle per thread; calls are spread over them round-robin.
    private let loops: [CurlMultiLoop]
    private let nextID = Atomic<UInt64>(1)

    /// Starts the curl thread. `curl_global_init` runs once per process, before that thread starts.
    public init(configuration: Configuration = Configuration()) {
        Self.initializeLibcurl()
        loops = (0..<max(1, configuration.loops)).map { _ in CurlMultiLoop(configuration: configuration) }
        for loop in loops { loop.start() }
    }

    deinit {
        for loop in loops { loop.requestStop() }
    }

    /// `curl_global_init`, once per process. Call it from `main` before starting other threads if the
    /// process uses libcurl elsewhere; `init` calls it too.
    public static func initializeLibcurl() {
        _ = globalInit
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    /// Sends one request and returns whatever status came back (non-2xx statuses are responses, not errors).
    ///
    /// - Parameter timeoutMs: deadline of the whole attempt (connect, send, wait, receive),
    ///   including any wait for a free connection.
    /// - Throws: `ProviderError` with kind `.timeout`, `.network`, or `.cancelled`.
    public func send(_ request: UpstreamRequest, timeoutMs: Int) async throws -> UpstreamResponse {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let loop = loops[Int(id % UInt64(loops.count))]
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UpstreamResponse, any Error>) in
                let transfer = CurlTransfer(
                    id: id, request: request, timeoutMs: max(1, timeoutMs),
                    maxResponseBytes: loop.configuration.maxResponseBytes, continuation: continuation)
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(id)
        }
    }

    /// Calls submitted and not yet answered (queued or in libcurl). Zero after everything returned.
    public var outstandingCalls: Int { loops.reduce(0) { $0 + $1.outstanding.load(ordering: .relaxed) } }

    /// Stops the curl thread: calls in flight end with `.cancelled`, later calls fail at once.
    /// Returns when the thread has exited and libcurl handles are freed.
    public func shutdown() async {
        for loop in loops { await loop.stop() }
    }
}
