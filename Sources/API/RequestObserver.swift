import Dispatch
import Gateway
import HTTP
import Providers

/// The middleware of serve's router: gives every request an id (the caller's `X-Request-Id` when
/// it is a sane one, else a new one) and returns it as `X-Request-Id`, counts the request in
/// ``HTTPMetrics`` and writes one JSON log line for it.
///
/// The line has `request_id`, `method`, `path` (no query string), `route`, `status`,
/// `duration_ms`, `bytes` and, when the handler knew them, `client_id` and `job_id`. Headers and
/// bodies are never logged; the prompt only with `logPrompts` (`serve --log-prompts`).
final class RequestObserver: Sendable {
    static let header = "X-Request-Id"
    /// Longest incoming request id kept; longer or odd ones are replaced.
    static let maxRequestIDLength = 128
    /// Longest prompt text put in a log line with `logPrompts`.
    static let maxLoggedPromptBytes = 2_048

    let logger: JSONLogger
    let logPrompts: Bool
    let metrics = HTTPMetrics()

    init(logger: JSONLogger, logPrompts: Bool) {
        self.logger = logger
        self.logPrompts = logPrompts
    }

    func observe(_ request: HTTPRequest, route: String?, next: HTTPHandler) async -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let requestID = Self.acceptedRequestID(request.headers[Self.header]) ?? Self.newRequestID()
        let context = RequestContext(requestID: requestID)
        var response = await RequestContext.$current.withValue(context) { await next(request) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let details = context.details
        if !response.isResetConnection {
            for (name, value) in details.responseHeaders where !response.headers.contains(name) { response.headers.add(name, value) }
            response.headers[Self.header] = requestID
        }
        let routeLabel = route ?? "unmatched"
        metrics.record(route: routeLabel, method: request.method, status: response.status, seconds: seconds)
        let level: JSONLogger.Level = response.status >= 500 ? .warning : .info
        guard logger.isEnabled(level) else { return response }
        var prompt: JSONValue?
        if logPrompts, let text = details.prompt {
            prompt = .string(String(decoding: text.utf8.prefix(Self.maxLoggedPromptBytes), as: UTF8.self))
        }
        logger.log(level, "request", fields: [
            ("request_id", .string(requestID)),
            ("method", .string(String(request.method.prefix(16)))),
            ("path", .string(String(request.path.prefix(256)))),
            ("route", .string(routeLabel)),
            ("status", .int(response.status)),
            ("duration_ms", .double((seconds * 1e6).rounded() / 1e3)),
            ("bytes", .int(response.body.count)),
            ("client_id", details.clientID.map { .string(String($0)) }),
            ("job_id", details.jobID.map { .string(String($0)) }),
            ("prompt", prompt),
        ])
        return response
    }

    /// `value` when it is 1 to 128 characters of letters, digits and `-_.:/+=`; nil otherwise.
    static func acceptedRequestID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= maxRequestIDLength else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"),
                 UInt8(ascii: "+"), UInt8(ascii: "="): true
            default: false
            }
        }
        return allowed ? value : nil
    }

    /// 32 random hex digits.
    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex(generator.next()) + hex(generator.next())
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
