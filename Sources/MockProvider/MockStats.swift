import Providers

/// Calls per model and outcome, as `GET /_mock/stats` reports them.
///
/// Every call counts once in exactly one of `ok`, `error` and `rate_limited`, and once under its class
/// (`server_error`, `overloaded`, `reset`, `hang`, `malformed`, `truncated`, `unauthorized`,
/// `bad_request`, `not_found`; `outage` too when an outage answered). `requests` is the total,
/// `prompt_tokens` and `completion_tokens` add up what successful answers reported.
public struct MockStats: Sendable, Equatable {
    public private(set) var models: [String: [String: Int]] = [:]
    /// When (Unix seconds) each call of a rate-limited model reached its limiter, admitted or not:
    /// what a test of the limit counts per window. Not in `json`; the latest 100,000 per model.
    private var arrivalTimes: [String: [Double]] = [:]

    public init() {}

    /// The times calls of `model` reached its rate limiter (only models with a limit), oldest first.
    public func arrivals(_ model: String) -> [Double] {
        arrivalTimes[model] ?? []
    }

    mutating func recordArrival(model: String, at time: Double) {
        // In place: a copy taken out of the dictionary would make every append copy the array.
        if arrivalTimes[model]?.count ?? 0 >= 100_000 { arrivalTimes[model]?.removeFirst(50_000) }
        arrivalTimes[model, default: []].append(time)
    }

    /// Records one call of `model` that ended as `outcome` (a class key, or `ok`).
    mutating func record(model: String, outcome: String, outage: Bool = false) {
        var counts = models[model] ?? ["ok": 0, "error": 0, "rate_limited": 0, "requests": 0]
        counts["requests", default: 0] += 1
        switch outcome {
        case "ok": counts["ok", default: 0] += 1
        case "rate_limited": counts["rate_limited", default: 0] += 1
        default:
            counts["error", default: 0] += 1
            counts[outcome, default: 0] += 1
        }
        if outage { counts["outage", default: 0] += 1 }
        models[model] = counts
    }

    mutating func addTokens(model: String, prompt: Int, completion: Int) {
        models[model, default: [:]]["prompt_tokens", default: 0] += prompt
        models[model, default: [:]]["completion_tokens", default: 0] += completion
    }

    /// The count of `key` for `model` (0 when never seen).
    public func count(_ model: String, _ key: String) -> Int {
        models[model]?[key] ?? 0
    }

    /// `{"models": {"<model>": {"ok": n, "error": n, "rate_limited": n, ...}}}`, names sorted.
    public var json: JSONValue {
        let leading = ["ok", "error", "rate_limited", "requests"]
        return ["models": .object(models.mapValues { counts in
            var members: [String: JSONValue] = Dictionary(uniqueKeysWithValues: leading.map { ($0, .int(counts[$0] ?? 0)) })
            for (key, count) in counts where !leading.contains(key) {
                members[key] = .int(count)
            }
            return .object(members)
        })]
    }
}
