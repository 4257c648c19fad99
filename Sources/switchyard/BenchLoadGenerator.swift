#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The load generator of the HTTP benchmarks: keep-alive client connections to 127.0.0.1 spread
/// over threads of its own, each thread multiplexing its share with `poll`, one request in flight
/// per connection. Without a rate each connection sends its next request as soon as the answer
/// arrives (closed loop); with `requestsPerSecond` each one sends on a fixed schedule instead
/// (at once when an answer is late), so the server sees that rate while it keeps up.
struct BenchLoadGenerator: Sendable {
    /// The bytes of one request; called on the client threads with (thread, sequence number).
    typealias RequestBuilder = @Sendable (_ thread: Int, _ sequence: Int) -> [UInt8]

    struct Result: Sendable {
        var latenciesNs: [Int64] = []
        var elapsed: Double = 0
        /// Connections that could not connect, were closed, or got no answer within the timeout.
        var failures = 0
        /// Answers whose status was not 200.
        var errors = 0
        /// The first answer that was not 200 (head and start of the body), for the error message.
        var firstError: String?

        func percentileMs(_ p: Double) -> Double {
            let sorted = latenciesNs.sorted()
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1_000_000
        }

        var requestsPerSecond: Double { elapsed > 0 ? Double(latenciesNs.count) / elapsed : 0 }
    }

    let port: Int
    let connections: Int
    let threads: Int
    /// Total paced rate; nil for a closed loop.
    var requestsPerSecond: Double?
    /// How long an answer may take before the connection counts as failed.
    var answerTimeoutMs: Int32 = 1_000
    var request: RequestBuilder

    /// Runs every thread for `seconds` and merges their latencies.
    func run(seconds: Double) async -> Result {
        let start = Self.monotonicNs()
        let end = start + Int64(seconds * 1e9)
        let results = await withTaskGroup(of: Result.self) { group -> [Result] in
            for index in 0 ..< threads {
                let share = connections / threads + (index < connections % threads ? 1 : 0)
                let rate = requestsPerSecond.map { $0 * Double(share) / Double(connections) }
                let client = Client(port: port, connections: share, thread: index, rate: rate,
                                    answerTimeoutMs: answerTimeoutMs, request: request)
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
                        let thread = Thread { continuation.resume(returning: client.run(until: end)) }
                        thread.start()
                    }
                }
            }
            var all: [Result] = []
            for await result in group { all.append(result) }
            return all
        }
        var merged = Result()
        merged.elapsed = Double(Self.monotonicNs() - start) / 1e9
        for result in results {
            merged.latenciesNs.append(contentsOf: result.latenciesNs)
            merged.failures += result.failures
            merged.errors += result.errors
            merged.firstError = merged.firstError ?? result.firstError
        }
        return merged
    }

    static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// One load-generator thread: non-blocking client sockets multiplexed with `poll`.
    private final class Client: @unchecked Sendable {
        // @unchecked: built on the caller's task and then used only by the one thread that runs it.
        let port: Int
        let count: Int
        let thread: Int
        /// Nanoseconds between two requests of one connection; 0 for a closed loop.
        let intervalNs: Int64
        let answerTimeoutMs: Int32
        var request: RequestBuilder
        var sequence = 0

        init(port: Int, connections: Int, thread: Int, rate: Double?, answerTimeoutMs: Int32, request: @escaping RequestBuilder) {
            self.port = port
            self.count = connections
            self.thread = thread
            self.intervalNs = rate.map { $0 > 0 ? Int64(Double(connections) / $0 * 1e9) : 0 } ?? 0
            self.answerTimeoutMs = answerTimeoutMs
            self.request = request
        }

        func run(until end: Int64) -> Result {
            var result = Result()
            result.latenciesNs.reserveCapacity(1 << 18)
            var fds: [Int32] = []
            for _ in 0 ..< count {
                let fd = connect()
                if fd < 0 { result.failures += 1 } else { fds.append(fd) }
            }
            defer { for fd in fds { close(fd) } }
            var pollFDs = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var buffers = [[UInt8]](repeating: [], count: fds.count)
            var sentAt = [Int64](repeating: 0, count: fds.count)
            /// When an idle connection (answer received, paced) sends next; 0 while a request is out.
            var nextSend = [Int64](repeating: 0, count: fds.count)
            var active = [Bool](repeating: true, count: fds.count)
            var activeCount = fds.count
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
            defer { scratch.deallocate() }
            func stop(_ index: Int, failed: Bool) {
                if failed { result.failures += 1 }
                active[index] = false
                activeCount -= 1
                pollFDs[index].events = 0
            }
            func send(_ index: Int, at now: Int64) {
                sentAt[index] = now
                nextSend[index] = 0
                sequence += 1
                if !sendAll(fds[index], request(thread, sequence)) { stop(index, failed: true) }
            }
            let start = monotonicNs()
            for index in fds.indices {
                if intervalNs > 0 {
                    // Spread the first requests over one interval so the paced load starts even.
                    nextSend[index] = start + intervalNs * Int64(index) / Int64(max(1, fds.count))
                } else {
                    send(index, at: start)
                }
            }
            while activeCount > 0 {
                var now = monotonicNs()
                var timeoutMs = answerTimeoutMs
                if intervalNs > 0 {
                    for index in fds.indices where active[index] && nextSend[index] > 0 {
                        if nextSend[index] >= end {
                            stop(index, failed: false)
                        } else if nextSend[index] <= now {
                            send(index, at: now)
                        } else {
                            timeoutMs = min(timeoutMs, Int32((nextSend[index] - now + 999_999) / 1_000_000))
                        }
                    }
                    if activeCount == 0 { break }
                }
                let ready = poll(&pollFDs, nfds_t(pollFDs.count), timeoutMs)
                if ready < 0 { if errno == EINTR { continue }; break }
                now = monotonicNs()
                if ready == 0 {
                    // A request without an answer for the whole timeout has failed.
                    let limit = Int64(answerTimeoutMs) * 1_000_000
                    for index in fds.indices where active[index] && nextSend[index] == 0 && now - sentAt[index] >= limit {
                        stop(index, failed: true)
                    }
                    continue
                }
                for index in pollFDs.indices where active[index] && pollFDs[index].revents != 0 {
                    let received = recv(fds[index], scratch.baseAddress, scratch.count, 0)
                    if received <= 0 {
                        if received < 0 && errno == EAGAIN { continue }
                        stop(index, failed: true)
                        continue
                    }
                    buffers[index].append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0 ..< received]))
                    while let (length, status) = Self.completeResponse(buffers[index]) {
                        if status != 200 {
                            result.errors += 1
                            if result.firstError == nil {
                                result.firstError = String(decoding: buffers[index].prefix(min(length, 600)), as: UTF8.self)
                            }
                        }
                        buffers[index].removeFirst(length)
                        now = monotonicNs()
                        result.latenciesNs.append(now - sentAt[index])
                        if intervalNs > 0 {
                            nextSend[index] = max(sentAt[index] + intervalNs, now)
                            if nextSend[index] >= end { stop(index, failed: false) }
                        } else if now >= end {
                            stop(index, failed: false)
                        } else {
                            send(index, at: now)
                        }
                    }
                }
            }
            return result
        }

        private func connect() -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return -1 }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { close(fd); return -1 }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            return fd
        }

        /// A request of a few hundred bytes always fits an idle connection's socket buffer, so one
        /// call sends it; a short write counts as a failure rather than blocking the thread.
        private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }

        /// The length and status of the first complete response in `buffer`, or `nil`.
        static func completeResponse(_ buffer: [UInt8]) -> (length: Int, status: Int)? {
            guard buffer.count >= 12 else { return nil }
            var headEnd = -1
            var contentLength = 0
            var lineStart = 0
            var index = 0
            while index + 1 < buffer.count {
                if buffer[index] == 13 && buffer[index + 1] == 10 {
                    if index == lineStart { headEnd = index + 2; break }
                    // "Content-Length: " is 16 bytes; match case-insensitively on a few letters only.
                    if index - lineStart > 16, buffer[lineStart] | 0x20 == 99, buffer[lineStart + 7] == 45,
                        buffer[lineStart + 8] | 0x20 == 108, buffer[lineStart + 14] == 58 {
                        var value = 0
                        for digit in buffer[(lineStart + 16) ..< index] { value = value * 10 + Int(digit - 48) }
                        contentLength = value
                    }
                    lineStart = index + 2
                    index += 2
                    continue
                }
                index += 1
            }
            guard headEnd >= 0, buffer.count >= headEnd + contentLength else { return nil }
            // "HTTP/1.1 200 ": the status is bytes 9...11.
            let status = buffer[9 ... 11].reduce(0) { $0 * 10 + Int($1) - 48 }
            return (headEnd + contentLength, status)
        }
    }
}
