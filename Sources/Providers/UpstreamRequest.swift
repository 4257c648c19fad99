/// One HTTP request to a provider, fully built by an adapter.
///
/// Its headers carry the provider key, so `description`, `debugDescription` and reflection show
/// `redactedHeaders` instead: printing a request by mistake does not leak the key.
public struct UpstreamRequest: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var method: String
    public var url: String
    /// Request headers; they include the credential, so never log them (use `redactedHeaders`).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String = "POST", url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first header named `name`, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Headers with credentials replaced, safe to log.
    public var redactedHeaders: [(name: String, value: String)] {
        headers.map { h in
            switch h.name.lowercased() {
            case "authorization", "api-key", "x-api-key", "x-goog-api-key": return (h.name, "<redacted>")
            default: return h
            }
        }
    }

    public static func == (lhs: UpstreamRequest, rhs: UpstreamRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }

    public var description: String {
        let headerText = redactedHeaders.map { "\($0.name): \($0.value)" }.joined(separator: ", ")
        return "\(method) \(url) [\(headerText)] \(body.count) bytes"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["method": method, "url": url, "headers": redactedHeaders.map { "\($0.name): \($0.value)" }, "bodyBytes": body.count])
    }
}
