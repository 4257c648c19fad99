import Providers

/// What the server does with one call: wait `delayMs`, then send `reply`.
public struct MockDecision: Sendable {
    public enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Close the connection abruptly without an answer.
        case reset
    }

    /// Latency (or a hang) to sleep before replying; 0 for none.
    public var delayMs: Double
    public var reply: Reply
    /// The stats key the call was counted under (`ok`, `rate_limited`, `server_error`, ...).
    public var outcome: String

    public init(delayMs: Double = 0, reply: Reply, outcome: String) {
        self.delayMs = delayMs
        self.reply = reply
        self.outcome = outcome
    }

    /// A JSON reply.
    public static func json(_ json: JSONValue, status: Int = 200, outcome: String = "control") -> MockDecision {
        MockDecision(reply: .respond(status: status, headers: [("Content-Type", "application/json")], body: json.serialized()), outcome: outcome)
    }

    public var status: Int? {
        if case .respond(let status, _, _) = reply { return status }
        return nil
    }

    public var headers: [(String, String)] {
        if case .respond(_, let headers, _) = reply { return headers }
        return []
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var bodyText: String {
        if case .respond(_, _, let body) = reply { return String(decoding: body, as: UTF8.self) }
        return ""
    }

    /// The body parsed as JSON, nil when it is not JSON.
    public var bodyJSON: JSONValue? {
        if case .respond(_, _, let body) = reply { return try? JSONValue.parse(body) }
        return nil
    }
}
