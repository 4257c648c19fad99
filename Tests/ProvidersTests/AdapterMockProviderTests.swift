import Testing

@testable import MockProvider
import Providers

/// Every adapter against the mock provider over real HTTP, through the libcurl client.
@Suite("Adapters against the mock provider")
struct AdapterMockProviderTests {
    static func profile(_ fault: MockFault? = nil, rpm: Int? = nil) -> MockModelProfile {
        var p = MockModelProfile()
        if let fault { p.faultRates = [fault: 1.0] }
        p.requestsPerMinute = rpm
        p.hangMs = 60_000
        return p
    }

    static let configuration: MockProviderConfiguration = {
        var c = MockProviderConfiguration(models: [
            "ok": profile(), "f500": profile(.internalServerError), "f529": profile(.overloaded), "f503": profile(.serviceUnavailable),
            "hang": profile(.hang), "reset": profile(.reset), "malformed": profile(.malformed), "truncated": profile(.truncated),
            "limited": profile(rpm: 1),
        ])
        c.apiKeys = ["test-key"]
        return c
    }()

    static func endpoint(_ format: WireFormat, _ base: String, key: String? = "test-key") -> ProviderEndpoint {
        let url: String
        switch format {
        case .openai, .mistral, .deepseek, .openaiCompatible: url = base + "/v1"
        default: url = base
        }
        return ProviderEndpoint(format: format, baseURL: url, key: key.map { ProviderKey($0) })
    }

    static let formats: [WireFormat] = [.openai, .azure, .anthropic, .gemini, .mistral, .deepseek, .openaiCompatible]

    func call(_ client: UpstreamClient, _ format: WireFormat, _ base: String, model: String, key: String? = "test-key", timeoutMs: Int = 5_000) async -> Result<ChatCompletion, ProviderError> {
        let request = ChatRequest(model: "route", messages: [.system("Be brief."), .user("Say hello")], maxTokens: 50)
        do {
            let upstream = try format.adapter.makeRequest(request, model: model, endpoint: Self.endpoint(format, base, key: key))
            let response = try await client.send(upstream, timeoutMs: timeoutMs)
            return .success(try format.adapter.parseResponse(response, model: model))
        } catch let error as ProviderError {
            return .failure(error)
        } catch {
            return .failure(ProviderError(kind: .badRequest, message: "\(error)"))
        }
    }

    @Test(arguments: formats)
    func everyFaultClassified(_ format: WireFormat) async throws {
        let server = MockProviderServer(configuration: Self.configuration, port: 0)
        let base = "http://127.0.0.1:\(try server.start())"
        let client = UpstreamClient()
        let ok = await call(client, format, base, model: "ok")
        switch ok {
        case .success(let c):
            #expect(c.choices.first?.message.content?.text.isEmpty == false, "\(format)")
            #expect((c.usage?.promptTokens ?? 0) > 0, "\(format)")
            #expect(c.choices.first?.finishReason == "stop", "\(format)")
        case .failure(let e): Issue.record("\(format) ok: \(e.debugDescription)")
        }
        let expectations: [(String, ProviderError.Kind)] = [
            ("f500", .serverError), ("f529", .overloaded), ("f503", .serverError),
            ("reset", .network), ("malformed", .serverError), ("truncated", .serverError), ("nope-model", .notFound),
        ]
        for (model, kind) in expectations {
            let result = await call(client, format, base, model: model)
            if case .failure(let e) = result {
                #expect(e.kind == kind, "\(format) \(model): \(e.debugDescription)")
            } else {
                Issue.record("\(format) \(model): expected \(kind), got success")
            }
        }
        let hang = await call(client, format, base, model: "hang", timeoutMs: 300)
        if case .failure(let e) = hang { #expect(e.kind == .timeout, "\(format) hang") } else { Issue.record("\(format) hang succeeded") }
        let noKey = await call(client, format, base, model: "ok", key: "wrong")
        if case .failure(let e) = noKey { #expect(e.kind == .authentication, "\(format) auth: \(e.debugDescription)") } else { Issue.record("\(format) bad key succeeded") }
        _ = await call(client, format, base, model: "limited")
        let limited = await call(client, format, base, model: "limited")
        if case .failure(let e) = limited {
            #expect(e.kind == .rateLimited, "\(format) 429: \(e.debugDescription)")
            #expect((e.retryAfter ?? 0) > 0, "\(format) 429 retryAfter: \(e.debugDescription) \(String(describing: e.rateLimit))")
        } else { Issue.record("\(format) limited succeeded") }
        await client.shutdown()
        await server.shutdown(graceMs: 200)
    }
}
