import Foundation

/// Pieces the adapters share.
enum AdapterSupport {
    static func jsonHeaders(_ endpoint: ProviderEndpoint, auth: (String, String)?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if let auth { headers.append((auth.0, auth.1)) }
        for (name, value) in endpoint.extraHeaders.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        return headers
    }

    private static let pathSegmentAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func pathSegment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: pathSegmentAllowed) ?? s
    }

    /// Parses a 2xx body; an unparseable one is a retryable server error (truncated or garbled answers happen).
    static func successBody(status: Int, headers: UpstreamHeaders, body: [UInt8]) throws(ProviderError) -> JSONValue {
        guard (200..<300).contains(status) else {
            throw ProviderError.classify(status: status, headers: headers, body: body)
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            throw ProviderError(kind: .serverError, status: status, message: "malformed response body: \(error.description)")
        }
        // Some OpenAI-compatible servers answer 200 with an error object.
        if json["error"] != nil, json["choices"] == nil, json["candidates"] == nil, json["content"] == nil {
            throw ProviderError.classify(status: 500, headers: headers, body: body)
        }
        return json
    }

    static func malformed(_ status: Int, _ what: String) -> ProviderError {
        ProviderError(kind: .serverError, status: status, message: "malformed response body: \(what)")
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// Splits a `data:image/png;base64,AAAA` URL into media type and base64 data.
    static func dataURL(_ url: String) -> (mediaType: String, data: String)? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let meta = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        guard meta.hasSuffix(";base64") else { return nil }
        return (String(meta.dropLast(7)), String(url[url.index(after: comma)...]))
    }

    /// Tool-call arguments as a JSON object (Anthropic `input`, Gemini `args` must be objects).
    static func argumentsObject(_ arguments: String, field: String) throws(ProviderError) -> JSONValue {
        if arguments.isEmpty { return .object([:]) }
        guard let value = try? JSONValue.parse(arguments), value.objectValue != nil else {
            throw ProviderError(kind: .badRequest, message: "\(field): arguments must be a JSON object", param: field)
        }
        return value
    }
}
