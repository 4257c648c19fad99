enum BenchInflightCommand: Command {
    static let spec = CommandSpec(
        name: "bench inflight", summary: "Benchmark one worker holding many slow provider calls at once",
        options: [
            .databaseURL,
            .value("--jobs", "N", "Jobs (default 20000)"),
            .value("--latency-ms", "MS", "Mock provider latency per call (default 1000)"),
            .value("--concurrency", "N", "Worker slots, i.e. calls in flight (default 2000)"),
            .flag("--no-cache", "Skip the cache lookup and write"),
        ],
        discussion: "Same pipeline as 'bench gateway'. Prints one line: bench=inflight jobs=N ... jobs_per_s=R peak_rss_mb=M cpu_us_per_job=C pg_cpu_us_per_job=P")

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        try await BenchGatewayCommand.runBench(
            name: "inflight", arguments: arguments,
            jobs: try arguments.int("--jobs", default: 20_000, range: 1...10_000_000),
            concurrency: try arguments.int("--concurrency", default: 2_000, range: 1...100_000),
            latencyMs: try arguments.int("--latency-ms", default: 1_000, range: 0...600_000))
    }
}
