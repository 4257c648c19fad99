import API
import Foundation
import Gateway
import HTTP
import Postgres
import Queue
import TestSupport
import Worker

/// A database, `serve`'s router on port 0 and two clients (alice, bob) for one test.
struct APIFixture {
    let url: String
    let client: PostgresClient
    let queue: JobQueue
    let api: GatewayAPI
    let server: HTTPServer
    let port: Int
    let alice: APITestClient
    let bob: APITestClient

    static func make(_ name: String = #function, configuration: GatewayAPI.Configuration = .init(),
                     logger: JSONLogger = .disabled) async throws -> APIFixture {
        let url = try await TestDatabase.create(name)
        let client = TestDatabase.client(url, maxConnections: 8)
        let api = GatewayAPI(client: client, listenerConfiguration: PostgresConfiguration(url: url), configuration: configuration,
                             logger: logger)
        await api.start()
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.port = 0
        let server = HTTPServer(configuration: serverConfiguration, router: api.makeRouter())
        let port = try server.start()
        let keys = ClientKeyStore(client: client)
        let alice = try await keys.create(name: "alice")
        let bob = try await keys.create(name: "bob")
        return APIFixture(url: url, client: client, queue: JobQueue(client: client), api: api, server: server, port: port,
                          alice: APITestClient(port: port, key: alice.key), bob: APITestClient(port: port, key: bob.key))
    }

    var anonymous: APITestClient { APITestClient(port: port, key: nil) }

    func jobCount() async throws -> Int {
        try await client.query("SELECT count(*) FROM switchyard.jobs").first?.int("count") ?? -1
    }

    /// Runs an echo worker until `body` returns.
    func withEchoWorker<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var configuration = WorkerConfiguration()
        configuration.concurrency = 100
        configuration.pollIntervalMs = 50
        configuration.completionFlushMs = 1
        configuration.shutdownGraceMs = 1_000
        configuration.log = { _ in }
        let workerClient = TestDatabase.client(url, maxConnections: 4)
        let runtime = try WorkerRuntime(client: workerClient, executor: EchoExecutor(), configuration: configuration,
                                        listenerConfiguration: PostgresConfiguration(url: url))
        let running = Task { await runtime.run() }
        defer {
            runtime.stop()
        }
        let result = try await body()
        runtime.stop()
        await running.value
        workerClient.shutdown()
        return result
    }

    func shutdown() async {
        api.stop()
        await server.shutdown(graceMs: 1_000)
        client.shutdown()
    }
}

/// A valid chat request body.
func chatBody(_ content: String = "hello world", model: String = "echo-model", extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(content)"}]\#(extra)}"#
}
