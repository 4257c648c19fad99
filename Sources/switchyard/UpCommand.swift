import Foundation
import LocalStack
import Postgres
import Providers
import Worker

/// `switchyard up`: everything on one machine (embedded PostgreSQL, mock providers, config, workers,
/// serve) until Ctrl-C; `--demo` walks seed 000's scenario on it and exits.
enum UpCommand: Command {
    static let spec = CommandSpec(
        name: "up", summary: "Run it all here: PostgreSQL, providers, workers, the HTTP API (--demo: a tour)",
        options: [
            .value("--database-url", "URL", "Use this database (default: SWITCHYARD_DATABASE_URL, then DATABASE_URL, else an embedded cluster)"),
            .value("--config", "FILE", "Gateway config (default examples/switchyard.json; examples/switchyard.real.json with real providers)"),
            .value("--pool", "FILE", "Worker pool file (default workers/pool.json)"),
            .value("--providers", "MODE", "auto (mock unless a provider key variable is set), mock or real (default auto)"),
            .value("--host", "HOST", "Address serve binds (default 127.0.0.1)"),
            .value("--port", "PORT", "serve's port, 0 for any free port (default 8080)"),
            .value("--mock-port", "PORT", "The mock providers' port, 0 for any free port (default 9100, or a free one when taken)"),
            .value("--mock-profile", "FILE", "Mock latency profile (default examples/mock-profile.json; 'none' for no latency)"),
            .value("--state-dir", "DIR", "Logs and the embedded cluster (default .local/up)"),
            .flag("--demo", "Walk the demo scenario (balancing, failover, analytics, complexity routing), then stop everything and exit"),
            .value("--docs", "DIR", "Documents the demo submits (default examples/docs)"),
        ],
        discussion: """
            Without a database URL, an embedded PostgreSQL cluster lives in DIR/postgres (made once, reused on
            the same port when free; as root it runs as the postgres user). Without provider keys
            (\(ProviderMode.keyVariables.joined(separator: ", ")))
            the mock providers answer. Every process is a child of this one and is stopped on Ctrl-C or SIGTERM,
            or when this process dies; logs are in DIR/logs. The demo uses a fresh database of its own in the
            embedded cluster.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        UpstreamClient.initializeLibcurl()
        let environment = ProcessInfo.processInfo.environment
        var options = LocalStackOptions()
        options.databaseURL = arguments.string("--database-url")
            ?? [environment["SWITCHYARD_DATABASE_URL"], environment["DATABASE_URL"]].compactMap { $0 }.first { !$0.isEmpty }
        options.configPath = arguments.string("--config")
        options.poolPath = arguments.string("--pool")
        options.providers = ProviderMode(rawValue: try arguments.choice("--providers", ProviderMode.allCases.map(\.rawValue), default: "auto"))!
        options.host = arguments.string("--host") ?? options.host
        options.port = try arguments.int("--port", default: 8080, range: 0...65_535)
        options.mockPort = try arguments.int("--mock-port", default: 9100, range: 0...65_535)
        if let profile = arguments.string("--mock-profile") { options.mockProfilePath = profile == "none" ? "" : profile }
        options.stateDirectory = arguments.string("--state-dir") ?? options.stateDirectory
        let demo = arguments.flag("--demo")
        let documents = arguments.string("--docs") ?? SourceCheckout.locate("examples/docs")?.path
        if demo {
            guard let documents, FileManager.default.fileExists(atPath: documents) else {
                throw UsageError("--demo needs the sample documents: pass --docs DIR (examples/docs was not found)")
            }
            if options.providers == .real { throw UsageError("--demo runs on the mock providers; drop --providers real") }
            options.providers = .mock
            options.databaseName = "switchyard_demo"
            options.freshDatabase = true
        }

        let stack = LocalStack(options: options) { event in
            switch event {
            case .note(let text): log(text)
            case .process(let event): log(PoolCommand.describe(event))
            }
        }
        let (finishes, finish) = AsyncStream.makeStream(of: Finish.self)
        let signals = ShutdownSignals { count in
            log(count == 1 ? "stopping (a second Ctrl-C makes the workers release their jobs at once)" : "stopping faster")
            stack.requestStop()
            finish.yield(.signal)
        }
        defer { withExtendedLifetime(signals) {} }

        let info: LocalStackInfo
        do {
            info = try await stack.start()
        } catch {
            let interrupted = stack.isStopRequested
            await stack.stop()
            if interrupted { return 0 }
            printError("error: \(error)")
            return 1
        }
        printBanner(info, demo: demo)
        if demo, let documents, let url = stack.databaseURL {
            if options.databaseURL != nil { log("the demo uses \(info.databaseURL) as it is: its analytics include any rows already there") }
            Task {
                do {
                    try await DemoScenario.run(info: info, databaseURL: url, documentsFolder: documents) { event in
                        print(render(event))
                        fflush(nil)
                    }
                    finish.yield(.demo(nil))
                } catch {
                    finish.yield(.demo("\(error)"))
                }
            }
        }
        var code: Int32 = 0
        for await event in finishes {
            if case .demo(let failure) = event {
                if let failure {
                    printError("error: the demo failed: \(failure)")
                    code = 1
                } else {
                    print("\nup: demo finished; stopping everything")
                }
            }
            break
        }
        fflush(nil)
        await stack.stop()
        return code
    }

    /// Why the run ends.
    private enum Finish: Sendable {
        case signal
        /// The demo ended: nil when it succeeded, else why not.
        case demo(String?)
    }

    private static func printBanner(_ info: LocalStackInfo, demo: Bool) {
        // As it was typed (.build/release/switchyard), unless it was found on PATH.
        let typed = CommandLine.arguments[0]
        let binary = typed.contains("/") ? displayPath(typed) : "switchyard"
        let providers = info.mockURL.map { "mock providers on \($0)" }
            ?? "real providers (keys from \(info.providerKeys.joined(separator: ", ")))"
        var text = """

            Switchyard is up.
              HTTP API     \(info.apiURL)   (OpenAI-compatible base URL: \(info.apiURL)/v1)
              client key   \(info.clientKey)   (admin; shown once, stored as its sha256)
              database     \(info.databaseURL)
              providers    \(providers)
              config       \(displayPath(info.configPath))
              workers      \(info.workers) processes from \(displayPath(info.poolPath)); logs in \(displayPath(info.logDirectory))

            """
        if !demo {
            text += """
                Try:
                  curl -i \(info.apiURL)/v1/chat/completions -H "Authorization: Bearer \(info.clientKey)" \\
                       -H 'Content-Type: application/json' -d '{"model": "chat", "messages": [{"role": "user", "content": "Summarize: the board meeting moved to Friday."}]}'
                  export SWITCHYARD_DATABASE_URL='\(info.databaseURL)'
                  id=$(\(binary) enqueue --model auto --prompt "Solve the integral of x^2 * e^x dx step by step") && \(binary) wait $id && \(binary) job $id --json
                  \(binary) stats      # or: psql "$SWITCHYARD_DATABASE_URL" -c 'SELECT * FROM analytics.request_distribution'
                Ctrl-C stops everything.

                """
        }
        print(text, terminator: "")
        fflush(nil)
    }

    /// One demo event as printed lines.
    static func render(_ event: DemoEvent) -> String {
        switch event {
        case .step(let number, let title): "\n== \(number). \(title)"
        case .text(let text): wrapWords(text, width: 100).joined(separator: "\n")
        case .command(let command): "    $ " + command
        case .detail(let line): "    " + line
        case .table(let table):
            TextTable.render(headers: table.columns, rows: table.rows, rightAligned: table.numeric, indent: "  ")
        case .summary(let pairs): "\ndemo: " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    /// `path` relative to the current directory when it is inside it.
    private static func displayPath(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(current) ? String(path.dropFirst(current.count)) : path
    }

    private static func log(_ line: String) {
        print("up: \(line)")
        fflush(nil)
    }
}
