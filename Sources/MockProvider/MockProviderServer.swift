import HTTP

/// The mock provider behind real HTTP: OpenAI (also Mistral, DeepSeek), Azure OpenAI, Anthropic and
/// Gemini paths, plus the `/_mock/*` control endpoints.
///
/// ```
/// POST /v1/chat/completions                                  OpenAI, Mistral, DeepSeek
/// GET  /v1/models                                            OpenAI model list
/// POST /openai/deployments/{name}/chat/completions?api-version=...   Azure OpenAI
/// POST /v1/messages                                          Anthropic
/// POST /v1beta/models/{model}:generateContent                Gemini (also /v1/models/...)
/// POST /_mock/models/{model}/outage   {"enabled": bool, "mode": "503"|"reset"|"hang"}
/// POST /_mock/models/{model}/profile  a profile object, laid over the model's profile
/// GET  /_mock/stats                   {"models": {"<model>": {"ok": n, "error": n, "rate_limited": n, ...}}}
/// GET  /_mock/profile                 the seed and every model's profile
/// POST /_mock/reset                   clears stats, outages, rate windows
/// ```
public final class MockProviderServer: Sendable {
    public let engine: MockProviderEngine
    private let server: HTTPServer

    /// Largest chat request body accepted (long prompts).
    public static let chatBodyLimit = 32 << 20

    public init(configuration: MockProviderConfiguration, host: String = "127.0.0.1", port: Int = 9100) {
        engine = MockProviderEngine(configuration: configuration)
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = host
        serverConfiguration.port = port
        server = HTTPServer(configuration: serverConfiguration, router: Self.makeRouter(engine: engine))
    }

    /// Binds and starts serving.
    /// - Returns: the bound port (an ephemeral one when the configured port is 0).
    public func start() throws -> Int {
        try server.start()
    }

    /// Ends latency sleeps and hangs (hung calls get a connection reset), then stops the server.
    public func shutdown(graceMs: Int = 2_000) async {
        engine.beginShutdown()
        await server.shutdown(graceMs: graceMs)
    }

    /// The routes of the mock over `engine`.
    public static func makeRouter(engine: MockProviderEngine) -> HTTPRouter {
        let router = HTTPRouter()
        func chat(_ method: String, _ pattern: String, _ makeCall: @escaping @Sendable (HTTPRequest) -> MockCall?) {
            router.add(method, pattern, bodyLimit: chatBodyLimit) { request in
                guard let call = makeCall(request) else {
                    return HTTPResponse.json(raw: MockErrorBody.gemini(MockFailure(.modelNotFound, model: request.pathParameters["model"] ?? "")).description, status: 404)
                }
                return respond(engine.handle(call), engine: engine)
            }
        }
        chat("POST", "/v1/chat/completions") { call(.openAI, $0) }
        chat("POST", "/openai/deployments/{name}/chat/completions") { call(.azure, $0, pathModel: $0.pathParameters["name"]) }
        chat("POST", "/v1/messages") { call(.anthropic, $0) }
        for prefix in ["/v1beta/models/{model}", "/v1/models/{model}"] {
            chat("POST", prefix) { request in
                // The router matches whole segments: split `gemini-1.5-flash:generateContent` here.
                let segment = request.pathParameters["model"] ?? ""
                guard let colon = segment.lastIndex(of: ":"), segment[segment.index(after: colon)...] == "generateContent" else {
                    return nil
                }
                return call(.gemini, request, pathModel: String(segment[..<colon]))
            }
        }
        router.add("GET", "/v1/models") { request in
            respond(engine.listModels(headers: headers(request)), engine: engine)
        }
        router.add("POST", "/_mock/models/{model}/outage") { request in
            respond(engine.setOutage(model: request.pathParameters["model"] ?? "", body: request.body), engine: engine)
        }
        router.add("POST", "/_mock/models/{model}/profile") { request in
            respond(engine.setProfile(model: request.pathParameters["model"] ?? "", body: request.body), engine: engine)
        }
        router.add("GET", "/_mock/stats") { _ in
            respond(.json(engine.stats.json), engine: engine)
        }
        router.add("GET", "/_mock/profile") { _ in
            respond(.json(engine.profileJSON), engine: engine)
        }
        router.add("POST", "/_mock/reset") { _ in
            engine.reset()
            return respond(.json(["reset": true]), engine: engine)
        }
        return router
    }

    private static func headers(_ request: HTTPRequest) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in request.headers { result[name.lowercased()] = value }
        return result
    }

    private static func call(_ format: MockWireFormat, _ request: HTTPRequest, pathModel: String? = nil) -> MockCall {
        MockCall(format: format, headers: headers(request), query: request.query, body: request.body, pathModel: pathModel)
    }

    /// Turns the decision into a response that the server's event loop holds for the decided latency
    /// (`HTTPResponse.deferred`): no task waits on the concurrency pool, so a busy pool (the benches
    /// run the worker in the same process) does not make the answers late. Once shutdown has begun,
    /// the response goes at once.
    static func respond(_ decision: MockDecision, engine: MockProviderEngine) -> HTTPResponse {
        let response = switch decision.reply {
        case .reset: HTTPResponse.resetConnection
        case .respond(let status, let headers, let body): HTTPResponse(status: status, headers: HTTPHeaders(headers), body: body)
        }
        return decision.delayMs > 0 && !engine.isShuttingDown ? response.deferred(byMilliseconds: decision.delayMs) : response
    }
}
