/// A failure the mock injects instead of an answer, chosen per request by the profile's rates.
public enum MockFault: String, Sendable, CaseIterable, Hashable {
    case internalServerError = "500"
    case badGateway = "502"
    case serviceUnavailable = "503"
    /// Anthropic's "overloaded" status.
    case overloaded = "529"
    /// No answer until long after any client deadline (or until the server shuts down).
    case hang
    /// The connection is reset without an answer.
    case reset
    /// 200 with a body that is not JSON.
    case malformed
    /// 200 with a JSON body cut in half.
    case truncated

    /// The stats key this fault is counted under.
    public var statsKey: String {
        switch self {
        case .internalServerError, .badGateway, .serviceUnavailable: "server_error"
        case .overloaded: "overloaded"
        case .hang: "hang"
        case .reset: "reset"
        case .malformed: "malformed"
        case .truncated: "truncated"
        }
    }

    /// Picks the fault for one request: `draw` (uniform in [0, 1)) walks the cumulative `rates` in
    /// declaration order; nil means answer normally.
    public static func select(rates: [MockFault: Double], draw: Double) -> MockFault? {
        var cumulative = 0.0
        for fault in allCases {
            guard let rate = rates[fault], rate > 0 else { continue }
            cumulative += rate
            if draw < cumulative { return fault }
        }
        return nil
    }
}

/// What an outage does to every call of a model while it is switched on.
public enum MockOutageMode: String, Sendable, CaseIterable {
    case serviceUnavailable = "503"
    case reset
    case hang
}

/// How RPM/TPM usage is counted.
public enum MockRateWindow: String, Sendable, CaseIterable {
    /// Usage of the last `window_s` seconds (100 ms resolution).
    case sliding
    /// Usage since the start of the current `window_s`-aligned window (e.g. the current minute).
    case fixed
}
