#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP

/// `switchyard bench http`: the HTTP front under concurrent keep-alive clients.
///
/// Starts an `HTTPServer` on an ephemeral port with one trivial route and drives it from
/// `--connections` keep-alive connections in this process: a load generator on its own threads,
/// each multiplexing its share of the connections with `poll`, one request in flight per connection.
enum BenchHTTPCommand: Command {
    static let spec = CommandSpec(
        name: "bench http",
        summary: "Benchmark the HTTP server: requests/s and latency under concurrent keep-alive clients",
        options: [
            .value("--seconds", "S", "How long to measure (default 5)"),
            .value("--connections", "N", "Concurrent keep-alive client connections (default 64)"),
            .value("--client-threads", "N", "Load-generator threads (default 2)"),
        ],
        discussion: """
            Prints one line: bench=http connections=N seconds=S requests=N requests_per_s=R p50_ms=X p99_ms=Y \
            cpu_us_per_request=C (CPU of server and load generator together, per request).
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let seconds = try arguments.double("--seconds", default: 5, range: 0.1 ... 3600)
        let connections = try arguments.int("--connections", default: 64, range: 1 ... 10_000)
        let threads = try arguments.int("--client-threads", default: 2, range: 1 ... 64)

        let body = Array("ok".utf8)
        let response = HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: body)
        let router = HTTPRouter()
        router.add("GET", "/bench") { _ in response }
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.maxConnections = connections + 16
        let server = HTTPServer(configuration: configuration, router: router)
        let port = try server.start()

        // Warm up briefly so connection setup and first allocations are not measured.
        _ = await runLoad(port: port, connections: connections, threads: threads, seconds: 0.3)
        let cpuBefore = cpuMicroseconds()
        let result = await runLoad(port: port, connections: connections, threads: threads, seconds: seconds)
        let cpuUsed = cpuMicroseconds() - cpuBefore
        await server.shutdown(graceMs: 1_000)
        guard result.failures == 0 else {
            printError("bench http: \(result.failures) connection(s) failed")
            return 1
        }
        let latencies = result.latenciesNs.sorted()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)
            return Double(latencies[max(0, index)]) / 1_000_000
        }
        let rate = Double(latencies.count) / result.elapsed
        print("bench=http connections=\(connections) seconds=\(format(result.elapsed, 2)) requests=\(latencies.count)"
            + " requests_per_s=\(Int(rate.rounded())) p50_ms=\(format(percentile(0.5), 3)) p99_ms=\(format(percentile(0.99), 3))"
            + " cpu_us_per_request=\(format(Double(cpuUsed) / Double(max(1, latencies.count)), 1))")
        return 0
    }

    /// User + system CPU time of the whole process (server and load generator together).
    private static func cpuMicroseconds() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
    }

    private static func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    private struct LoadResult: Sendable {
        var latenciesNs: [Int64] = []
        var elapsed: Double = 0
        var failures = 0
    }

    /// Runs `threads` client threads for `seconds` and merges their latencies.
    private static func runLoad(port: Int, connections: Int, threads: Int, seconds: Double) async -> LoadResult {
        let start = monotonicNs()
        let end = start + Int64(seconds * 1e9)
        let results = await withTaskGroup(of: LoadResult.self) { group -> [LoadResult] in
            for index in 0 ..< threads {
                let share = connections / threads + (index < connections % threads ? 1 : 0)
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<LoadResult, Never>) in
                        let thread = Thread {
                            continuation.resume(returning: BenchHTTPClient(port: port, connections: share).run(until: end))
                        }
                        thread.start()
                    }
                }
            }
            var all: [LoadResult] = []
            for await result in group { all.append(result) }
            return all
        }
        var merged = LoadResult()
        merged.elapsed = Double(monotonicNs() - start) / 1e9
        for result in results {
            merged.latenciesNs.append(contentsOf: result.latenciesNs)
            merged.failures += result.failures
        }
        return merged
    }

    static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// One load-generator thread: non-blocking client sockets multiplexed with `poll`.
    private final class BenchHTTPClient {
        let port: Int
        let count: Int
        let request = Array("GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)

        init(port: Int, connections: Int) {
            self.port = port
            self.count = connections
        }

        func run(until end: Int64) -> LoadResult {
            var result = LoadResult()
            result.latenciesNs.reserveCapacity(1 << 20)
            var fds: [Int32] = []
            for _ in 0 ..< count {
                let fd = connect()
                if fd < 0 { result.failures += 1 } else { fds.append(fd) }
            }
            defer { for fd in fds { close(fd) } }
            var pollFDs = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var buffers = [[UInt8]](repeating: [], count: fds.count)
            var sentAt = [Int64](repeating: 0, count: fds.count)
            var active = [Bool](repeating: true, count: fds.count)
            var activeCount = fds.count
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
            defer { scratch.deallocate() }
            for index in fds.indices {
                sentAt[index] = monotonicNs()
                if !send(fds[index]) { result.failures += 1; active[index] = false; activeCount -= 1 }
            }
            while activeCount > 0 {
                let ready = poll(&pollFDs, nfds_t(pollFDs.count), 1000)
                if ready < 0 { if errno == EINTR { continue }; break }
                if ready == 0 { result.failures += activeCount; break }
                for index in pollFDs.indices where active[index] && pollFDs[index].revents != 0 {
                    let received = recv(fds[index], scratch.baseAddress, scratch.count, 0)
                    if received <= 0 {
                        if received < 0 && errno == EAGAIN { continue }
                        result.failures += 1
                        active[index] = false
                        activeCount -= 1
                        pollFDs[index].events = 0
                        continue
                    }
                    buffers[index].append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0 ..< received]))
                    while let length = Self.completeResponseLength(buffers[index]) {
                        buffers[index].removeFirst(length)
                        let now = monotonicNs()
                        result.latenciesNs.append(now - sentAt[index])
                        if now >= end {
                            active[index] = false
                            activeCount -= 1
                            pollFDs[index].events = 0
                        } else {
                            sentAt[index] = now
                            if !send(fds[index]) {
                                result.failures += 1
                                active[index] = false
                                activeCount -= 1
                                pollFDs[index].events = 0
                            }
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

        private func send(_ fd: Int32) -> Bool {
            // A 40-byte request always fits an empty socket buffer: one call, no partial write.
            request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count
        }

        /// The length of the first complete response in `buffer`, or `nil`.
        static func completeResponseLength(_ buffer: [UInt8]) -> Int? {
            guard buffer.count >= 4 else { return nil }
            var headEnd = -1
            var contentLength = 0
            var lineStart = 0
            var index = 0
            while index + 1 < buffer.count {
                if buffer[index] == 13 && buffer[index + 1] == 10 {
                    if index == lineStart { headEnd = index + 2; break }
                    // "Content-Length: " is 16 bytes; match case-insensitively on the first letter only.
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
            return headEnd + contentLength
        }
    }
}
