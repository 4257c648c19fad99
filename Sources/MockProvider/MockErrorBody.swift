import Providers

/// Error bodies in each provider's own shape, with the messages the real APIs send.
///
/// - OpenAI (also Mistral, DeepSeek): `{"error": {"message", "type", "param", "code"}}`
/// - Azure: `{"error": {"code", "message"}}` for gateway errors (401, 404, 429, 503); OpenAI's shape otherwise
/// - Anthropic: `{"type": "error", "error": {"type", "message"}, "request_id"}`
/// - Gemini: `{"error": {"code", "message", "status"[, "details"]}}`
/// - 502 is an HTML page in every format, as a proxy in front of the API would send it.
public enum MockErrorBody {
    /// The body and its content type for `failure` in `format`.
    public static func render(_ failure: MockFailure, format: MockWireFormat, requestID: String = "req_mock")
        -> (contentType: String, body: String)
    {
        if failure.kind == .badGateway {
            return ("text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>mock-provider</center>\r\n</body>\r\n</html>\r\n")
        }
        let json: JSONValue
        switch format {
        case .openAI: json = openAI(failure)
        case .azure: json = azure(failure)
        case .anthropic: json = anthropic(failure, requestID: requestID)
        case .gemini: json = gemini(failure)
        }
        return ("application/json", json.description)
    }

    private static func retryText(_ failure: MockFailure) -> String {
        let seconds = failure.retryAfterSeconds ?? 1
        return MockRateLimitHeaders.goDuration(seconds)
    }

    static func openAI(_ failure: MockFailure) -> JSONValue {
        let model = failure.model ?? ""
        let (message, type, code): (String, String, JSONValue)
        switch failure.kind {
        case .missingKey:
            (message, type, code) = (
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
                "invalid_request_error", .null)
        case .invalidKey:
            (message, type, code) = (
                "Incorrect API key provided: \(failure.message). You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", "invalid_api_key")
        case .badRequest, .missingAPIVersion:
            (message, type, code) = (failure.message, "invalid_request_error", failure.param == nil ? .null : "invalid_value")
        case .modelNotFound:
            (message, type, code) = ("The model `\(model)` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")
        case .contextLengthExceeded:
            (message, type, code) = (failure.message, "invalid_request_error", "context_length_exceeded")
        case .rateLimited:
            (message, type, code) = (
                "Rate limit reached for \(model) in organization org-mock on \(failure.message). Please try again in \(retryText(failure)). Visit https://platform.openai.com/account/rate-limits to learn more.",
                failure.limitedOnTokens ? "tokens" : "requests", "rate_limit_exceeded")
        case .serverError, .badGateway:
            (message, type, code) = ("The server had an error while processing your request. Sorry about that!", "server_error", .null)
        case .serviceUnavailable:
            (message, type, code) = ("The server is overloaded or not ready yet.", "server_error", .null)
        case .overloaded:
            (message, type, code) = ("The engine is currently overloaded, please try again later.", "server_error", .null)
        }
        return ["error": [
            "message": .string(message), "type": .string(type),
            "param": failure.param.map(JSONValue.string) ?? .null, "code": code,
        ]]
    }

    static func azure(_ failure: MockFailure) -> JSONValue {
        switch failure.kind {
        case .missingKey, .invalidKey:
            return ["error": ["code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."]]
        case .missingAPIVersion:
            return ["error": ["code": "404", "message": "Resource not found"]]
        case .modelNotFound:
            return ["error": ["code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."]]
        case .rateLimited:
            let seconds = Int((failure.retryAfterSeconds ?? 1).rounded(.up))
            let limit = failure.limitedOnTokens ? "token rate limit" : "call rate limit"
            return ["error": ["code": "429", "message": .string("Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-06-01 have exceeded \(limit) of your current OpenAI S0 pricing tier. Please retry after \(seconds) second\(seconds == 1 ? "" : "s"). Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.")]]
        case .serviceUnavailable:
            return ["error": ["code": "ServiceUnavailable", "message": "The service is temporarily unable to process your request. Please try again later."]]
        default:
            return openAI(failure)
        }
    }

    static func anthropic(_ failure: MockFailure, requestID: String) -> JSONValue {
        let (type, message): (String, String)
        switch failure.kind {
        case .missingKey: (type, message) = ("authentication_error", "x-api-key header is required")
        case .invalidKey: (type, message) = ("authentication_error", "invalid x-api-key")
        case .badRequest, .missingAPIVersion, .contextLengthExceeded: (type, message) = ("invalid_request_error", failure.message)
        case .modelNotFound: (type, message) = ("not_found_error", "model: \(failure.model ?? "")")
        case .rateLimited:
            let what = failure.limitedOnTokens ? "input tokens" : "requests"
            (type, message) = ("rate_limit_error", "This request would exceed the rate limit for your organization (mock) of \(failure.message) \(what) per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.")
        case .serverError, .badGateway: (type, message) = ("api_error", "Internal server error")
        case .serviceUnavailable: (type, message) = ("api_error", "Service unavailable")
        case .overloaded: (type, message) = ("overloaded_error", "Overloaded")
        }
        return ["type": "error", "error": ["type": .string(type), "message": .string(message)], "request_id": .string(requestID)]
    }

    static func gemini(_ failure: MockFailure) -> JSONValue {
        let status = failure.status(in: .gemini)
        var details: JSONValue?
        let (grpc, message): (String, String)
        switch failure.kind {
        case .missingKey:
            (grpc, message) = ("PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
        case .invalidKey:
            (grpc, message) = ("INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
            details = [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"]]
        case .badRequest, .missingAPIVersion, .contextLengthExceeded:
            (grpc, message) = ("INVALID_ARGUMENT", failure.message)
        case .modelNotFound:
            (grpc, message) = ("NOT_FOUND", "models/\(failure.model ?? "") is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.")
        case .rateLimited:
            (grpc, message) = ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")
            let seconds = Int((failure.retryAfterSeconds ?? 1).rounded(.up))
            details = [["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": .string("\(seconds)s")]]
        case .serverError, .badGateway:
            (grpc, message) = ("INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
        case .serviceUnavailable, .overloaded:
            (grpc, message) = ("UNAVAILABLE", "The model is overloaded. Please try again later.")
        }
        var error: [String: JSONValue] = ["code": .int(status), "message": .string(message), "status": .string(grpc)]
        if let details { error["details"] = details }
        return ["error": .object(error)]
    }
}
