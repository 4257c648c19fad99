import Foundation

extension HTTPResponse {
    static let jsonContentType = "application/json"

    /// `value` encoded with `JSONEncoder` (keys sorted, so bodies are stable for tests).
    /// An encoding failure becomes a 500 in the OpenAI error shape.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            return HTTPResponse(status: status, headers: ["Content-Type": jsonContentType], body: Array(data))
        } catch {
            return .error(status: 500, message: "could not encode the response: \(error)", type: "server_error", code: "internal_error")
        }
    }

    /// `raw` sent as is with `Content-Type: application/json`; the caller vouches that it is JSON.
    public static func json(raw: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": jsonContentType], body: Array(raw.utf8))
    }

    /// An error in the OpenAI shape: `{"error":{"message":…,"type":…,"code":…}}`.
    /// - Parameters:
    ///   - type: e.g. `invalid_request_error`, `authentication_error`, `server_error`.
    ///   - code: a machine-readable code such as `not_found`; `nil` is sent as JSON `null`.
    public static func error(
        status: Int, message: String, type: String = "invalid_request_error", code: String? = nil
    ) -> HTTPResponse {
        var text = #"{"error":{"message":"#
        appendJSONString(message, to: &text)
        text += #","type":"#
        appendJSONString(type, to: &text)
        text += #","code":"#
        if let code { appendJSONString(code, to: &text) } else { text += "null" }
        text += "}}"
        return json(raw: text, status: status)
    }
}

extension HTTPRequest {
    /// The body decoded from JSON.
    /// - Throws: `DecodingError` when the body is not valid JSON of type `T`.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }
}

/// Appends `value` as a quoted JSON string literal.
func appendJSONString(_ value: String, to text: inout String) {
    text.append("\"")
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": text.append("\\\"")
        case "\\": text.append("\\\\")
        case "\n": text.append("\\n")
        case "\r": text.append("\\r")
        case "\t": text.append("\\t")
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
        default: text.unicodeScalars.append(scalar)
        }
    }
    text.append("\"")
}
