#if canImport(Glibc)
import Glibc
#endif
import API
import Foundation
import Gateway
import HTTP
import Worker

/// `switchyard serve`: the HTTP front (jobs, OpenAI-compatible endpoints, health) until SIGINT/SIGTERM.
enum ServeCommand: Command {
    static let spec = CommandSpec(
        name: "serve",
        summary: "Serve the HTTP API: jobs, OpenAI chat completions, batches, analytics, /metrics",
        options: [
            .value("--host", "HOST", "Address to bind (default 127.0.0.1)"),
            .value("--port", "PORT", "Port to bind, 0 for any free port (default 8080)"),
            .value("--connections", "N", "PostgreSQL connections in the pool (default 8)"),
            LogOptions.level,
            .flag("--log-prompts", "Put the prompt text in request log lines (also SWITCHYARD_LOG_PROMPTS=1); off by default"),
            .databaseURL,
        ],
        discussion: """
            Every /v1 route needs 'Authorization: Bearer KEY' (create keys with 'switchyard clients create NAME').
            The server runs no jobs: start 'switchyard worker' processes too. It also runs a batch service that
            validates and finalizes batches (so does every worker; they share the work safely).
            One JSON log line per request on stderr (request id, method, path, status, duration, client and job id);
            keys are never logged, prompts only with --log-prompts. GET /metrics serves Prometheus text.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let host = arguments.string("--host") ?? "127.0.0.1"
        let port = try arguments.int("--port", default: 8080, range: 0...65_535)
        let connections = try arguments.int("--connections", default: 8, range: 1...256)
        let database = DatabaseOptions.configuration(arguments)
        let logger = try LogOptions.logger(arguments)
        var apiConfiguration = GatewayAPI.Configuration()
        apiConfiguration.logPrompts = LogOptions.logPrompts(arguments)
        let client = DatabaseOptions.client(arguments, maxConnections: connections)
        let api = GatewayAPI(client: client, listenerConfiguration: database, configuration: apiConfiguration, logger: logger)
        await api.start()
        let batches = BatchService(client: client, listenerConfiguration: database, log: { logger.log(.warning, $0) })
        let batchService = Task { await batches.run() }
        var configuration = HTTPServerConfiguration()
        configuration.host = host
        configuration.port = port
        let server = HTTPServer(configuration: configuration, router: api.makeRouter())
        let boundPort: Int
        do {
            boundPort = try server.start()
        } catch {
            api.stop()
            batches.stop()
            await batchService.value
            client.shutdown()
            throw error
        }
        print("serve listening on \(host):\(boundPort)")
        logger.log(.info, "listening", ["host": .string(host), "port": .int(boundPort)])
        fflush(nil)  // stdout is a pipe in tests and scripts: make the port line visible now
        let received = await ShutdownSignals.first()
        logger.log(.info, "shutting down", ["signal": .int(Int(received))])
        api.stop()  // wakes long-polls so they answer before the grace period ends
        await server.shutdown()
        batches.stop()
        await batchService.value
        client.shutdown()
        await logger.flush()
        return 0
    }
}
