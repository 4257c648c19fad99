#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MockProvider
import Worker

/// `switchyard mock-provider`: the mock LLM provider over real HTTP until SIGINT/SIGTERM.
enum MockProviderCommand: Command {
    static let spec = CommandSpec(
        name: "mock-provider",
        summary: "Run the mock providers (OpenAI, Azure, Anthropic, Gemini, Mistral, DeepSeek APIs)",
        options: [
            .value("--host", "HOST", "Address to bind (default 127.0.0.1)"),
            .value("--port", "PORT", "Port to bind, 0 for any free port (default 9100)"),
            .value("--profile", "FILE", "JSON profile file: per-model latency, error rates, RPM/TPM limits, seed"),
            .value("--latency-ms", "MS", "Fixed latency for every model, overriding the profiles (benchmarks)"),
            .value("--seed", "N", "Seed for faults and latencies (overrides the profile's seed)"),
        ],
        discussion: """
            Models: gpt-4o, gpt-4o-mini, claude-3-5-sonnet, mistral-large, gemini-1.5-flash, deepseek-chat
            (no latency, no faults, no limits) plus those in the profile file, e.g.
              {"seed": 1, "models": {"gpt-4o": {"latency": {"min_ms": 20, "max_ms": 80},
                "errors": {"503": 0.05, "reset": 0.01}, "rpm": 60, "tpm": 40000}}}
            Control: POST /_mock/models/MODEL/outage {"enabled": true, "mode": "503"|"reset"|"hang"},
            POST /_mock/models/MODEL/profile, GET /_mock/stats, GET /_mock/profile, POST /_mock/reset.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let host = arguments.string("--host") ?? "127.0.0.1"
        let port = try arguments.int("--port", default: 9100, range: 0...65_535)
        var configuration = MockProviderConfiguration()
        if let path = arguments.string("--profile") {
            configuration = try MockProviderConfiguration.load(path: path)
        }
        if arguments.string("--latency-ms") != nil {
            let ms = try arguments.double("--latency-ms", default: 0, range: 0...3_600_000)
            configuration.latencyOverride = ms == 0 ? MockLatency.none : .fixed(ms: ms)
        }
        if let seed = try arguments.int("--seed", range: 0...Int.max) {
            configuration.seed = UInt64(seed)
        }
        let server = MockProviderServer(configuration: configuration, host: host, port: port)
        let boundPort = try server.start()
        print("mock-provider listening on \(host):\(boundPort)")
        fflush(nil)  // stdout is a pipe in tests and scripts: make the port line visible now
        let received = await ShutdownSignals.first()
        printError("mock-provider: signal \(received), shutting down")
        await server.shutdown()
        return 0
    }
}
