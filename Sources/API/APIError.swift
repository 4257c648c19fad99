import HTTP
import Providers

/// An error answered in the OpenAI shape `{"error":{"message","type","code","param"}}`.
struct APIError: Error, Sendable {
    var status: Int
    var message: String
    var type: String
    var code: String?
    var param: String?
    var headers: [(String, String)] = []

    init(_ status: Int, _ message: String, type: String = "invalid_request_error", code: String? = nil, param: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
    }

    var response: HTTPResponse {
        var error: [String: JSONValue] = [
            "message": .string(message), "type": .string(type),
            "code": code.map(JSONValue.string) ?? .null, "param": param.map(JSONValue.string) ?? .null,
        ]
        error.reserveCapacity(4)
        let body = JSONValue.object(["error": .object(error)]).serialized()
        var response = HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }

    static let unauthorized = APIError(
        401, "missing or invalid API key: send 'Authorization: Bearer <key>' (create one with 'switchyard clients create NAME')",
        type: "authentication_error", code: "invalid_api_key")

    static func jobNotFound(_ id: String) -> APIError {
        APIError(404, "no job '\(id)'", code: "job_not_found", param: "id")
    }

    static func invalid(_ error: ValidationError) -> APIError {
        APIError(400, error.description, code: error.field.isEmpty ? "invalid_json" : "invalid_value",
                 param: error.field.isEmpty ? nil : error.field)
    }

    static func internalError(_ error: any Error) -> APIError {
        APIError(500, "internal error: \(error)", type: "server_error", code: "internal_error")
    }
}
