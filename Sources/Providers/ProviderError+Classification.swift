import Foundation

extension ProviderError {
    /// Classifies a non-2xx response from any supported provider by status code and error body.
    ///
    /// Understands OpenAI/Azure/Mistral/DeepSeek `{"error": {"message", "type", "param", "code"}}`
    /// (Azure adds `innererror.code = ResponsibleAIPolicyViolation`), Anthropic
    /// `{"type": "error", "error": {"type", "message"}}`, Gemini `{"error": {"code", "message", "status"}}`,
    /// Mistral's flat `{"object": "error", "message", "type"}` and the `{"detail": ...}` / `{"error": "..."}`
    /// bodies of self-hosted servers.
    public static func classify(status: Int, headers: UpstreamHeaders, body: [UInt8], now: Date = Date()) -> ProviderError {
        let rateLimit = RateLimitInfo.parse(headers, now: now)
        let parsed = ErrorBody(body)
        var error = ProviderError(
            kind: kind(status: status, body: parsed), status: status,
            message: parsed.message ?? (body.isEmpty ? "HTTP \(status)" : String(decoding: body.prefix(500), as: UTF8.self)),
            providerCode: parsed.code ?? parsed.type, param: parsed.param, retryAfter: nil, rateLimit: rateLimit)
        if error.isRetryable { error.retryAfter = rateLimit?.suggestedDelay ?? parsed.retryDelay }
        return error
    }

    private static func kind(status: Int, body: ErrorBody) -> Kind {
        let type = body.type ?? ""
        let code = body.code ?? ""
        switch status {
        case 429: return .rateLimited
        case 529: return .overloaded
        case _ where type == "overloaded_error": return .overloaded
        case 408, 504: return .timeout
        case 500..<600: return type == "rate_limit_error" || code == "RESOURCE_EXHAUSTED" ? .rateLimited : .serverError
        case 401, 403: return .authentication
        case 404: return .notFound
        case 400..<500:
            let message = (body.message ?? "").lowercased()
            if code == "content_filter" || body.innerCode == "ResponsibleAIPolicyViolation"
                || code == "content_policy_violation" || type == "content_policy_violation"
            {
                return .contentFiltered
            }
            if code == "context_length_exceeded" || code == "string_above_max_length"
                || message.contains("maximum context length") || message.contains("context length")
                || message.contains("prompt is too long") || message.contains("context window")
                || message.contains("exceeds the maximum number of tokens")
            {
                return .contextLengthExceeded
            }
            if body.reasons.contains("API_KEY_INVALID") || message.contains("api key not valid")
                || type == "authentication_error" || code == "UNAUTHENTICATED" || code == "PERMISSION_DENIED"
            {
                return .authentication
            }
            return .badRequest
        default: return .serverError
        }
    }
}

/// The interesting fields of a provider error body, whatever its shape.
private struct ErrorBody {
    var message: String?
    var type: String?
    var code: String?
    var param: String?
    var innerCode: String?
    /// Gemini `details[].reason` values (e.g. `API_KEY_INVALID`).
    var reasons: [String] = []
    /// Gemini `details[].retryDelay` of a `google.rpc.RetryInfo` (e.g. `"37s"`), in seconds.
    var retryDelay: Double?

    init(_ body: [UInt8]) {
        guard let json = try? JSONValue.parse(body) else { return }
        if let error = json["error"], error.objectValue != nil {
            message = error["message"]?.stringValue
            type = error["type"]?.stringValue
            // OpenAI/Azure `code` is a string; Gemini's `code` is the HTTP status and `status` the gRPC code.
            code = error["code"]?.stringValue ?? error["status"]?.stringValue
            param = error["param"]?.stringValue
            innerCode = error["innererror"]?["code"]?.stringValue
            for detail in error["details"]?.arrayValue ?? [] {
                if let reason = detail["reason"]?.stringValue { reasons.append(reason) }
                if let delay = detail["retryDelay"]?.stringValue { retryDelay = RateLimitInfo.parseDuration(delay) }
            }
        } else if let text = json["error"]?.stringValue {
            message = text
        } else {
            // Mistral sends validation failures with `message` as an object; keep it as JSON text.
            message = (json["message"] ?? json["detail"]).map { $0.stringValue ?? $0.description }
            type = json["type"]?.stringValue
            code = json["code"]?.stringValue
            param = json["param"]?.stringValue
        }
    }
}
