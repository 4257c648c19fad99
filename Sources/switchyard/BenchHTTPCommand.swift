#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP

/// `switchyard bench http`: the HTTP front under concurrent keep-alive clients.
///
/// Starts an `HTTPServer` on an ephemeral port with one trivial route and drives it from
/// `--connections` keep-alive connections in this process (``BenchLoadGenerator``).
enum BenchHTTPCommand: Command {
    static let spec = CommandSpec(
        name: "bench http",
        summary: "Benchmark the HTTP server: requests/s and latency, concurrent keep-alive clients",
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
        let request = Array("GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
        let load = BenchLoadGenerator(port: port, connections: connections, threads: threads) { _, _ in request }
        _ = await load.run(seconds: 0.3)
        let cpuBefore = BenchCPU.processMicroseconds()
        let result = await load.run(seconds: seconds)
        let cpuUsed = BenchCPU.processMicroseconds() - cpuBefore
        await server.shutdown(graceMs: 1_000)
        guard result.failures == 0 else {
            printError("bench http: \(result.failures) connection(s) failed")
            return 1
        }
        let count = result.latenciesNs.count
        print("bench=http connections=\(connections) seconds=\(format(result.elapsed, 2)) requests=\(count)"
            + " requests_per_s=\(Int(result.requestsPerSecond.rounded())) p50_ms=\(format(result.percentileMs(0.5), 3))"
            + " p99_ms=\(format(result.percentileMs(0.99), 3))"
            + " cpu_us_per_request=\(format(Double(cpuUsed) / Double(max(1, count)), 1))")
        return 0
    }

    static func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
