import Providers

/// How one emulated model behaves: latency, injected faults, rate limits, outage mode.
///
/// In a profile file (snake_case JSON; every field optional):
/// ```json
/// { "latency": {"min_ms": 20, "max_ms": 80},
///   "errors": {"500": 0.01, "502": 0, "503": 0, "529": 0, "hang": 0, "reset": 0, "malformed": 0, "truncated": 0},
///   "rpm": 500, "tpm": 30000, "window": "sliding", "window_s": 60,
///   "outage_mode": "503", "hang_ms": 3600000, "context_window": 128000,
///   "response_model": "gpt-4o-2024-08-06", "owned_by": "openai" }
/// ```
public struct MockModelProfile: Sendable, Equatable {
    public var latency: MockLatency = .none
    /// Probability of each fault per request; their sum is at most 1.
    public var faultRates: [MockFault: Double] = [:]
    /// Requests per window; nil = unlimited (and no rate-limit headers for requests).
    public var requestsPerMinute: Int?
    /// Tokens (prompt + completion) per window; nil = unlimited.
    public var tokensPerMinute: Int?
    public var window: MockRateWindow = .sliding
    /// Window length in seconds; 60 for per-minute limits (shorter makes tests quick).
    public var windowSeconds: Double = 60
    /// What a switched-on outage does unless the switch names a mode.
    public var outageMode: MockOutageMode = .serviceUnavailable
    /// How long a hang lasts.
    public var hangMs: Int = 3_600_000
    /// Largest prompt in tokens; a longer one gets the provider's context-length error.
    public var contextWindow: Int?
    /// The model name the answer carries; nil = the name asked for.
    public var responseModel: String?
    /// `owned_by` in `GET /v1/models`.
    public var ownedBy: String = "mock"

    public init() {}

    public init(ownedBy: String, contextWindow: Int?) {
        self.ownedBy = ownedBy
        self.contextWindow = contextWindow
    }

    static let fields: Set<String> = [
        "latency", "latency_ms", "errors", "rpm", "tpm", "window", "window_s", "outage_mode", "hang_ms",
        "context_window", "response_model", "owned_by",
    ]

    /// Reads a profile object; fields absent keep the values of `base`.
    /// - Parameter field: the dotted path of `value`, for error messages.
    /// - Throws: `MockProfileError` naming the offending field.
    public static func parse(_ value: JSONValue, base: MockModelProfile = MockModelProfile(), field: String)
        throws(MockProfileError) -> MockModelProfile
    {
        guard let members = value.objectValue else {
            throw MockProfileError(field: field, message: "must be an object, got \(value.kindDescription)")
        }
        var profile = base
        for (key, item) in members.sorted(by: { $0.key < $1.key }) {
            let path = field.isEmpty ? key : "\(field).\(key)"
            switch key {
            case "latency", "latency_ms":
                profile.latency = try MockLatency.parse(item, field: path)
            case "errors":
                profile.faultRates = try parseFaultRates(item, field: path)
            case "rpm":
                profile.requestsPerMinute = try optionalCount(item, field: path)
            case "tpm":
                profile.tokensPerMinute = try optionalCount(item, field: path)
            case "window":
                guard let text = item.stringValue, let window = MockRateWindow(rawValue: text) else {
                    throw MockProfileError(field: path, message: "must be \"sliding\" or \"fixed\"")
                }
                profile.window = window
            case "window_s":
                guard let seconds = item.doubleValue, seconds > 0, seconds <= 86_400 else {
                    throw MockProfileError(field: path, message: "must be a number of seconds in (0, 86400]")
                }
                profile.windowSeconds = seconds
            case "outage_mode":
                profile.outageMode = try parseOutageMode(item, field: path)
            case "hang_ms":
                guard let ms = item.intValue, ms >= 0 else {
                    throw MockProfileError(field: path, message: "must be a whole number of milliseconds >= 0")
                }
                profile.hangMs = ms
            case "context_window":
                profile.contextWindow = try optionalCount(item, field: path)
            case "response_model":
                if item.isNull { profile.responseModel = nil; continue }
                guard let text = item.stringValue, !text.isEmpty else {
                    throw MockProfileError(field: path, message: "must be a non-empty string")
                }
                profile.responseModel = text
            case "owned_by":
                guard let text = item.stringValue else { throw MockProfileError(field: path, message: "must be a string") }
                profile.ownedBy = text
            default:
                throw MockProfileError(field: path, message: "unknown field (expected one of \(fields.sorted().joined(separator: ", ")))")
            }
        }
        return profile
    }

    static func parseOutageMode(_ item: JSONValue, field: String) throws(MockProfileError) -> MockOutageMode {
        // Accept 503 as a number too: it is what people type.
        let text = item.stringValue ?? item.intValue.map(String.init)
        guard let text, let mode = MockOutageMode(rawValue: text) else {
            throw MockProfileError(field: field, message: "must be one of \"503\", \"reset\", \"hang\"")
        }
        return mode
    }

    private static func optionalCount(_ item: JSONValue, field: String) throws(MockProfileError) -> Int? {
        if item.isNull { return nil }
        guard let count = item.intValue, count > 0 else {
            throw MockProfileError(field: field, message: "must be a whole number > 0 or null")
        }
        return count
    }

    private static func parseFaultRates(_ item: JSONValue, field: String) throws(MockProfileError) -> [MockFault: Double] {
        guard let members = item.objectValue else {
            throw MockProfileError(field: field, message: "must be an object of error class to rate, got \(item.kindDescription)")
        }
        var rates: [MockFault: Double] = [:]
        for (key, rateValue) in members.sorted(by: { $0.key < $1.key }) {
            guard let fault = MockFault(rawValue: key) else {
                let classes = MockFault.allCases.map(\.rawValue).joined(separator: ", ")
                throw MockProfileError(field: "\(field).\(key)", message: "unknown error class (expected one of \(classes))")
            }
            guard let rate = rateValue.doubleValue, rate >= 0, rate <= 1 else {
                throw MockProfileError(field: "\(field).\(key)", message: "must be a rate between 0 and 1")
            }
            rates[fault] = rate
        }
        let total = rates.values.reduce(0, +)
        guard total <= 1 + 1e-9 else {
            throw MockProfileError(field: field, message: "rates add up to \(total), more than 1")
        }
        return rates
    }

    /// The profile as it would be written in a profile file.
    public var json: JSONValue {
        [
            "latency": latency.json,
            "errors": .object(Dictionary(uniqueKeysWithValues: faultRates.map { ($0.key.rawValue, .double($0.value)) })),
            "rpm": requestsPerMinute.map(JSONValue.int) ?? .null,
            "tpm": tokensPerMinute.map(JSONValue.int) ?? .null,
            "window": .string(window.rawValue),
            "window_s": .double(windowSeconds),
            "outage_mode": .string(outageMode.rawValue),
            "hang_ms": .int(hangMs),
            "context_window": contextWindow.map(JSONValue.int) ?? .null,
            "response_model": responseModel.map(JSONValue.string) ?? .null,
            "owned_by": .string(ownedBy),
        ]
    }
}
