import HTTP

/// Starts a server on an ephemeral port with the routes the tests use; `body` gets the port.
func withTestServer(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    routes: (HTTPRouter) -> Void = { _ in },
    _ body: (Int) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration(port: 0)
    configure(&configuration)
    let router = HTTPRouter()
    router.add("GET", "/hello") { _ in .text("hello") }
    router.add("POST", "/echo") { request in
        var response = HTTPResponse(status: 200, body: request.body)
        response.headers["Content-Type"] = request.headers["Content-Type"] ?? "application/octet-stream"
        return response
    }
    router.add("POST", "/small", bodyLimit: 16) { request in .text("\(request.body.count)") }
    router.add("GET", "/sleep/{ms}") { request in
        let ms = Int(request.pathParameters["ms"] ?? "0") ?? 0
        try? await Task.sleep(for: .milliseconds(ms))
        return .text("slept \(ms)")
    }
    router.add("GET", "/reset") { _ in .resetConnection }
    routes(router)
    let server = HTTPServer(configuration: configuration, router: router)
    let port = try server.start()
    do {
        try await body(port)
    } catch {
        await server.shutdown(graceMs: 100)
        throw error
    }
    await server.shutdown(graceMs: 1_000)
}
