import Foundation
import Testing

import Providers

/// Loops that measure the per-call cost of the hot path. Off by default (they print numbers, they
/// assert nothing about speed); run with `SWITCHYARD_PERF=1 swift test --filter PerformanceTests`,
/// preferably in release (`-c release -Xswiftc -enable-testing`).
@Suite("Performance (SWITCHYARD_PERF=1)", .enabled(if: ProcessInfo.processInfo.environment["SWITCHYARD_PERF"] == "1"))
struct PerformanceTests {
    static let request = ChatRequest(
        model: "smart",
        messages: [.system("Summarise the document in one sentence."), .user(String(repeating: "The quick brown fox. ", count: 40))],
        temperature: 0.2, maxTokens: 200)

    static func perCall(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.attoseconds) / 1e12 / Double(iterations) + Double(elapsed.components.seconds) * 1e6 / Double(iterations)
    }

    @Test(arguments: [WireFormat.openai, .anthropic, .gemini])
    func adapterRoundTrip(_ format: WireFormat) throws {
        let adapter = format.adapter
        let endpoint = ProviderEndpoint(format: format, baseURL: "http://127.0.0.1:9100", key: ProviderKey("k"))
        let body: [UInt8] = Array(
            (format == .openai ? Fixtures.openAISuccess : format == .anthropic ? Fixtures.anthropicSuccess : Fixtures.geminiSuccess).utf8)
        let stored = Self.request.json.serialized()
        let n = 20_000
        let decode = try Self.perCall(n) { _ = try ChatRequest(jsonBytes: stored) }
        let build = try Self.perCall(n) { _ = try adapter.makeRequest(Self.request, model: "m", endpoint: endpoint) }
        let parse = try Self.perCall(n) { _ = try adapter.parseResponse(status: 200, headers: [:], body: body, model: "m") }
        let completion = try adapter.parseResponse(status: 200, headers: [:], body: body, model: "m")
        let encode = Self.perCall(n) { _ = completion.jsonBytes() }
        print("perf format=\(format.rawValue) decode_request_us=\(decode) build_us=\(build) parse_us=\(parse) encode_result_us=\(encode)")
    }

    @Test func clientThroughput() async throws {
        let server = try TestResponder { _ in .respond(status: 200, headers: [("Content-Type", "application/json")], body: Fixtures.openAISuccess) }
        defer { server.stop() }
        var configuration = UpstreamClient.Configuration()
        configuration.maxHostConnections = 32
        let client = UpstreamClient(configuration: configuration)
        let request = try OpenAIAdapter().makeRequest(
            Self.request, model: "gpt-4o-mini", endpoint: ProviderEndpoint(format: .openai, baseURL: server.baseURL + "/v1"))
        let curlCPUStart = Self.threadCPUSeconds(named: "switchyard-curl")
        let total = 20_000
        let concurrency = Int(ProcessInfo.processInfo.environment["SWITCHYARD_PERF_CONCURRENCY"] ?? "256") ?? 256
        let start = ContinuousClock.now
        let cpuStart = clock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    for _ in stride(from: worker, to: total, by: concurrency) {
                        _ = try await client.send(request, timeoutMs: 10_000)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
        let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
        let curlCPU = Self.threadCPUSeconds(named: "switchyard-curl") - curlCPUStart
        print("perf client requests=\(total) curl_thread_cpu_us_per_request=\(curlCPU / Double(total) * 1e6) seconds=\(seconds) requests_per_s=\(Double(total) / seconds) process_cpu_us_per_request=\(cpu / Double(total) * 1e6) (includes the responder)")
        await client.shutdown()
    }

    /// utime + stime of the threads of this process with that name, from /proc.
    static func threadCPUSeconds(named name: String) -> Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var total = 0.0
        for tid in tasks {
            guard readProcFile("/proc/self/task/\(tid)/comm").trimmingCharacters(in: .whitespacesAndNewlines) == name else { continue }
            let stat = readProcFile("/proc/self/task/\(tid)/stat")
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
            total += (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        }
        return total / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// /proc files report size 0, so read until end of file.
    static func readProcFile(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Many slow calls held at once: what each call costs the curl thread while thousands wait.
    @Test func slowCallsInFlight() async throws {
        let server = try TestResponder { _ in .delayed(milliseconds: 1_000, status: 200, body: Fixtures.openAISuccess) }
        defer { server.stop() }
        let client = UpstreamClient()
        let request = try OpenAIAdapter().makeRequest(
            Self.request, model: "gpt-4o-mini", endpoint: ProviderEndpoint(format: .openai, baseURL: server.baseURL + "/v1"))
        let inFlight = Int(ProcessInfo.processInfo.environment["SWITCHYARD_PERF_INFLIGHT"] ?? "1000") ?? 1000
        // Open the connections first, so the measured round is about waiting, not connecting.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<inFlight { group.addTask { _ = try await client.send(request, timeoutMs: 30_000) } }
            try await group.waitForAll()
        }
        let curlCPUStart = Self.threadCPUSeconds(named: "switchyard-curl")
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<inFlight { group.addTask { _ = try await client.send(request, timeoutMs: 30_000) } }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let curlCPU = Self.threadCPUSeconds(named: "switchyard-curl") - curlCPUStart
        print("perf inflight calls=\(inFlight) round_seconds=\(elapsed) curl_thread_cpu_us_per_call=\(curlCPU / Double(inFlight) * 1e6) connections=\(server.connectionsAccepted)")
        await client.shutdown()
    }
}
