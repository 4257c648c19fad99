import Foundation
import Postgres
import Providers
import Worker

/// `switchyard pool [FILE]`: runs and supervises the worker processes a pool file describes.
enum PoolCommand: Command {
    static let spec = CommandSpec(
        name: "pool", summary: "Run and supervise a pool of worker processes (workers/pool.json by default)",
        arguments: "[FILE]",
        options: [
            .databaseURL,
            .value("--log-dir", "DIR", "Append each worker's output to DIR/NAME.log (default: this process's output)"),
            .flag("--check", "Only validate the pool file and list its processes (--json: [{name, arguments}])"),
            .json,
        ],
        discussion: """
            A crashed worker starts again after an exponential backoff (the file's "restart" settings). The first
            SIGTERM/SIGINT is forwarded to every worker, which stops claiming and drains; a second one is forwarded
            too (workers then release their jobs at once). Workers still running after "stop_timeout_ms" are killed.
            Exits 0 once every worker has exited (1 when one had to be killed). The format is in workers/README.md.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        guard arguments.positionals.count <= 1 else { throw UsageError("'switchyard pool' takes at most one FILE") }
        let path: String
        if let given = arguments.positionals.first {
            path = given
        } else if let found = SourceCheckout.locate("workers/pool.json") {
            path = found.path
        } else {
            throw UsageError("no FILE given and no workers/pool.json here or in the checkout")
        }
        let definition: PoolDefinition
        do {
            definition = try PoolDefinition.load(path: path)
        } catch {
            printError("pool file \(path) is invalid (\(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")):\n\(error)")
            return 1
        }
        var environment = ProcessInfo.processInfo.environment
        if let url = arguments.string("--database-url") { environment["SWITCHYARD_DATABASE_URL"] = url }
        let logDirectory = arguments.string("--log-dir")
        if let logDirectory {
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        }
        let processes = definition.processes(environment: environment, logDirectory: logDirectory)
        if arguments.flag("--check") {
            if arguments.flag("--json") {
                let objects = processes.map { process in
                    JSONValue.object(["name": .string(process.name), "arguments": .array(process.options.arguments.map(JSONValue.string))])
                }
                print(JSONValue.array(objects).description)
            } else {
                print("pool file \(path) is valid: \(processes.count) worker process\(processes.count == 1 ? "" : "es")")
                for process in processes { print("  \(process.name): switchyard \(process.options.arguments.joined(separator: " "))") }
            }
            return 0
        }
        let supervisor = ProcessSupervisor(
            processes: processes, restart: definition.restart, stopTimeoutMs: definition.stopTimeoutMs,
            onEvent: { event in log(describe(event)) })
        let signals = ShutdownSignals { count in
            log(count == 1 ? "stopping: SIGTERM to every worker, they drain (a second signal releases their jobs at once)"
                : "stopping: signal forwarded again")
            supervisor.stop()
        }
        log("\(processes.count) worker process\(processes.count == 1 ? "" : "es") from \(path)")
        let outcome = await supervisor.run()
        withExtendedLifetime(signals) {}
        if !outcome.killed.isEmpty {
            log("killed after the stop timeout: \(outcome.killed.joined(separator: ", "))")
            return 1
        }
        log("every worker has exited")
        return 0
    }

    /// One line per supervisor event, as `pool` and `up` print them.
    static func describe(_ event: ProcessSupervisor.Event) -> String {
        switch event {
        case .started(let name, let pid, let restarts):
            "\(name) started (pid \(pid)\(restarts > 0 ? ", restart \(restarts)" : ""))"
        case .exited(let name, let pid, let termination, let restartInMs):
            "\(name) (pid \(pid)) ended: \(termination)" + (restartInMs.map { "; starting it again in \($0) ms" } ?? "")
        case .startFailed(let name, let message, let restartInMs):
            "\(name) could not start: \(message)" + (restartInMs.map { "; trying again in \($0) ms" } ?? "")
        case .killed(let name, let pid):
            "\(name) (pid \(pid)) still running after the stop timeout: killed"
        }
    }

    private static func log(_ line: String) {
        printError("pool: \(line)")
    }
}
