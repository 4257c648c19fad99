import Foundation
import Testing

@testable import Providers

struct ErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var format: WireFormat
    var status: Int
    var headers: [String: String] = [:]
    var body: String
    var kind: ProviderError.Kind
    var messagePrefix: String
    var retryAfter: Double? = nil
    var code: String? = nil

    var testDescription: String { name }
}

@Suite("Provider errors are classified")
struct ProviderErrorTests {
    static let cases: [ErrorCase] = [
        ErrorCase(
            name: "openai 429 tokens", format: .openai, status: 429,
            headers: [
                "x-ratelimit-limit-tokens": "30000", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1.4s",
                "x-ratelimit-remaining-requests": "499", "x-ratelimit-reset-requests": "120ms",
            ],
            body: Fixtures.openAIRateLimit, kind: .rateLimited, messagePrefix: "Rate limit reached for gpt-4o", retryAfter: 1.4,
            code: "rate_limit_exceeded"),
        ErrorCase(
            name: "openai context length", format: .openai, status: 400, body: Fixtures.openAIContextLength,
            kind: .contextLengthExceeded, messagePrefix: "This model's maximum context length is 128000", code: "context_length_exceeded"),
        ErrorCase(
            name: "openai invalid key", format: .openai, status: 401, body: Fixtures.openAIInvalidKey, kind: .authentication,
            messagePrefix: "Incorrect API key provided", code: "invalid_api_key"),
        ErrorCase(
            name: "openai unknown model", format: .openai, status: 404, body: Fixtures.openAIModelNotFound, kind: .notFound,
            messagePrefix: "The model `gpt-9` does not exist"),
        ErrorCase(
            name: "openai 500", format: .openai, status: 500, body: Fixtures.openAIServerError, kind: .serverError,
            messagePrefix: "The server had an error"),
        ErrorCase(
            name: "openai 503 overloaded", format: .openai, status: 503, headers: ["retry-after": "2"], body: Fixtures.openAIOverloaded503,
            kind: .serverError, messagePrefix: "The engine is currently overloaded", retryAfter: 2),
        ErrorCase(
            name: "openai bad parameter", format: .openai, status: 400, body: Fixtures.openAIBadParam, kind: .badRequest,
            messagePrefix: "Invalid 'temperature'"),
        ErrorCase(
            name: "azure 429 retry-after-ms", format: .azure, status: 429, headers: ["retry-after": "6", "retry-after-ms": "5500"],
            body: Fixtures.azureRateLimit, kind: .rateLimited, messagePrefix: "Requests to the ChatCompletions_Create", retryAfter: 5.5),
        ErrorCase(
            name: "azure content filter", format: .azure, status: 400, body: Fixtures.azureContentFilter, kind: .contentFiltered,
            messagePrefix: "The response was filtered", code: "content_filter"),
        ErrorCase(
            name: "azure 401", format: .azure, status: 401, body: Fixtures.azureUnauthorized, kind: .authentication,
            messagePrefix: "Access denied"),
        ErrorCase(
            name: "azure deployment not found", format: .azure, status: 404, body: Fixtures.azureDeploymentNotFound, kind: .notFound,
            messagePrefix: "The API deployment for this resource does not exist", code: "DeploymentNotFound"),
        ErrorCase(
            name: "anthropic 529 overloaded", format: .anthropic, status: 529, body: Fixtures.anthropicOverloaded, kind: .overloaded,
            messagePrefix: "Overloaded", code: "overloaded_error"),
        ErrorCase(
            name: "anthropic 429", format: .anthropic, status: 429,
            headers: ["retry-after": "17", "anthropic-ratelimit-input-tokens-remaining": "0"], body: Fixtures.anthropicRateLimit,
            kind: .rateLimited, messagePrefix: "This request would exceed the rate limit", retryAfter: 17, code: "rate_limit_error"),
        ErrorCase(
            name: "anthropic prompt too long", format: .anthropic, status: 400, body: Fixtures.anthropicPromptTooLong,
            kind: .contextLengthExceeded, messagePrefix: "prompt is too long"),
        ErrorCase(
            name: "anthropic missing max_tokens", format: .anthropic, status: 400, body: Fixtures.anthropicMaxTokensMissing,
            kind: .badRequest, messagePrefix: "max_tokens: Field required", code: "invalid_request_error"),
        ErrorCase(
            name: "anthropic 401", format: .anthropic, status: 401, body: Fixtures.anthropicAuth, kind: .authentication,
            messagePrefix: "invalid x-api-key"),
        ErrorCase(
            name: "anthropic 403", format: .anthropic, status: 403, body: Fixtures.anthropicPermission, kind: .authentication,
            messagePrefix: "Your API key does not have permission"),
        ErrorCase(
            name: "anthropic 404", format: .anthropic, status: 404, body: Fixtures.anthropicNotFound, kind: .notFound,
            messagePrefix: "model: claude-9-opus"),
        ErrorCase(
            name: "anthropic 500", format: .anthropic, status: 500, body: Fixtures.anthropicAPIError, kind: .serverError,
            messagePrefix: "Internal server error"),
        ErrorCase(
            name: "gemini 429 with RetryInfo", format: .gemini, status: 429, body: Fixtures.geminiResourceExhausted, kind: .rateLimited,
            messagePrefix: "You exceeded your current quota", retryAfter: 37, code: "RESOURCE_EXHAUSTED"),
        ErrorCase(
            name: "gemini invalid key", format: .gemini, status: 400, body: Fixtures.geminiInvalidKey, kind: .authentication,
            messagePrefix: "API key not valid"),
        ErrorCase(
            name: "gemini too many tokens", format: .gemini, status: 400, body: Fixtures.geminiTooManyTokens,
            kind: .contextLengthExceeded, messagePrefix: "The input token count"),
        ErrorCase(
            name: "gemini 503", format: .gemini, status: 503, body: Fixtures.geminiUnavailable, kind: .serverError,
            messagePrefix: "The model is overloaded", code: "UNAVAILABLE"),
        ErrorCase(
            name: "gemini 404", format: .gemini, status: 404, body: Fixtures.geminiNotFound, kind: .notFound,
            messagePrefix: "models/gemini-9.0-pro is not found"),
        ErrorCase(
            name: "gemini 504", format: .gemini, status: 504, body: Fixtures.geminiDeadline, kind: .timeout,
            messagePrefix: "Deadline expired"),
        ErrorCase(
            name: "gemini 403", format: .gemini, status: 403, body: Fixtures.geminiPermission, kind: .authentication,
            messagePrefix: "Method doesn't allow unregistered callers"),
        ErrorCase(
            name: "mistral 422 extra member", format: .mistral, status: 422, body: Fixtures.mistralExtraForbidden, kind: .badRequest,
            messagePrefix: #"{"detail":"#),
        ErrorCase(
            name: "mistral context", format: .mistral, status: 400, body: Fixtures.mistralContext, kind: .contextLengthExceeded,
            messagePrefix: "Prompt contains 40062 tokens"),
        ErrorCase(
            name: "mistral 429", format: .mistral, status: 429, body: Fixtures.mistralRateLimit, kind: .rateLimited,
            messagePrefix: "Requests rate limit exceeded"),
        ErrorCase(
            name: "mistral 401", format: .mistral, status: 401, body: Fixtures.mistralUnauthorized, kind: .authentication,
            messagePrefix: "Unauthorized"),
        ErrorCase(
            name: "deepseek 402 balance", format: .deepseek, status: 402, body: Fixtures.deepSeekInsufficientBalance, kind: .badRequest,
            messagePrefix: "Insufficient Balance"),
        ErrorCase(
            name: "deepseek context", format: .deepseek, status: 400, body: Fixtures.deepSeekContext, kind: .contextLengthExceeded,
            messagePrefix: "This model's maximum context length is 65536"),
        ErrorCase(
            name: "vllm context", format: .openaiCompatible, status: 400, body: Fixtures.vllmContext, kind: .contextLengthExceeded,
            messagePrefix: "This model's maximum context length is 4096"),
        ErrorCase(
            name: "ollama not found", format: .openaiCompatible, status: 404, body: Fixtures.ollamaNotFound, kind: .notFound,
            messagePrefix: #"model "llama9" not found"#),
        ErrorCase(
            name: "html 502", format: .openai, status: 502, body: Fixtures.htmlBadGateway, kind: .serverError,
            messagePrefix: "<html><head><title>502 Bad Gateway"),
        ErrorCase(name: "empty 503", format: .anthropic, status: 503, body: "", kind: .serverError, messagePrefix: "HTTP 503"),
    ]

    @Test(arguments: cases)
    func classifiesErrorBodies(_ c: ErrorCase) {
        let error = #expect(throws: ProviderError.self) {
            try c.format.adapter.parseResponse(
                status: c.status, headers: UpstreamHeaders(c.headers.map { ($0.key, $0.value) }), body: Array(c.body.utf8), model: "m")
        }
        guard let error else { return }
        #expect(error.kind == c.kind)
        #expect(error.status == c.status)
        #expect(error.message.hasPrefix(c.messagePrefix), "message: \(error.message)")
        #expect(error.retryAfter == c.retryAfter)
        if let code = c.code { #expect(error.providerCode == code) }
    }

    @Test(arguments: [
        (ProviderError.Kind.rateLimited, true, "rate_limited"), (.overloaded, true, "server_error"), (.serverError, true, "server_error"),
        (.timeout, true, "timeout"), (.network, true, "network"), (.contextLengthExceeded, false, "client_error"),
        (.contentFiltered, false, "client_error"), (.authentication, false, "client_error"), (.badRequest, false, "client_error"),
        (.notFound, false, "client_error"), (.cancelled, false, "cancelled"),
    ])
    func retryabilityAndLedgerOutcome(_ kind: ProviderError.Kind, _ retryable: Bool, _ outcome: String) {
        let error = ProviderError(kind: kind, message: "x")
        #expect(error.isRetryable == retryable)
        #expect(error.ledgerOutcome == outcome)
    }

    @Test func keysNeverShowInDescriptions() {
        let key = ProviderKey("sk-live-very-secret", label: "OPENAI_API_KEY")
        #expect(!"\(key)".contains("very-secret"))
        #expect(!String(reflecting: key).contains("very-secret"))
        #expect(!"\(ProviderEndpoint(format: .openai, key: key))".contains("very-secret"))
        #expect("\(key)".contains("OPENAI_API_KEY"))
        #expect(ProviderKey(environmentVariable: "X", environment: ["X": " k1 \n"])?.reveal() == "k1")
        #expect(ProviderKey(environmentVariable: "X", environment: ["X": ""]) == nil)
    }
}
