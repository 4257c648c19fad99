import Synchronization

/// A request handler. Runs on the Swift concurrency pool: it must never block a thread.
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// Runs around every request a router answers (request ids, logs, metrics): it gets the request,
/// the pattern of the route that matched (nil when none did and the answer is 404 or 405) and
/// `next`, which runs the handler.
public typealias HTTPMiddleware = @Sendable (HTTPRequest, _ route: String?, _ next: HTTPHandler) async -> HTTPResponse

/// Maps method + path patterns to handlers.
///
/// A pattern is split on `/`; each segment is a literal or contains one `{name}` parameter, which
/// may have a literal prefix and suffix within the segment (`{model}:generateContent`). Parameters
/// match one non-empty segment and are percent-decoded (`%2F` stays inside the parameter).
/// Routes are tried in the order added. `HEAD` falls back to the `GET` route (the body is not sent).
/// With a middleware, every answer goes through it, 404 and 405 included.
public final class HTTPRouter: Sendable {
    enum Segment: Sendable {
        case literal(String)
        case parameter(name: String, prefix: String, suffix: String)
    }

    struct Route: Sendable {
        let method: String
        let segments: [Segment]
        let bodyLimit: Int?
        let handler: HTTPHandler
    }

    enum Match: Sendable {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private let routes = Mutex<[Route]>([])
    private let middleware: HTTPMiddleware?

    public init(middleware: HTTPMiddleware? = nil) {
        self.middleware = middleware
    }

    /// Registers `handler` for `method` on `pattern`.
    /// - Parameters:
    ///   - pattern: e.g. `"/v1/jobs/{id}"`; a segment may also be `"{model}:generateContent"`.
    ///   - bodyLimit: the largest request body accepted on this route (413 beyond); `nil` uses the
    ///     server's `maxBodyBytes`.
    public func add(_ method: String, _ pattern: String, bodyLimit: Int? = nil, _ handler: @escaping HTTPHandler) {
        var wrapped = handler
        if let middleware { wrapped = { request in await middleware(request, pattern, handler) } }
        let route = Route(method: method, segments: Self.compile(pattern), bodyLimit: bodyLimit, handler: wrapped)
        routes.withLock { $0.append(route) }
    }

    /// Routes `request` and runs the handler, or answers 404 / 405 — what the server does, without
    /// sockets (useful in tests).
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        switch match(method: request.method, rawPath: request.rawPath) {
        case .found(let route, let parameters):
            var request = request
            request.pathParameters = parameters
            return await route.handler(request)
        case .methodNotAllowed(let allowed):
            return Self.methodNotAllowed(request, allowed: allowed)
        case .notFound:
            return Self.notFound(request)
        }
    }

    static func notFound(_ request: HTTPRequest) -> HTTPResponse {
        .error(status: 404, message: "no route for \(request.method) \(request.path)", code: "not_found")
    }

    static func methodNotAllowed(_ request: HTTPRequest, allowed: [String]) -> HTTPResponse {
        var response = HTTPResponse.error(
            status: 405, message: "method \(request.method) not allowed on \(request.path)", code: "method_not_allowed")
        response.headers["Allow"] = allowed.joined(separator: ", ")
        return response
    }

    /// The route for a request, or why there is none. With a middleware, a request no route takes
    /// is `.found` too, with a handler that answers the 404 or 405 through the middleware.
    func match(method: String, rawPath: Substring) -> Match {
        let match = matchRoute(method: method, rawPath: rawPath)
        guard let middleware else { return match }
        let answer: HTTPHandler
        switch match {
        case .found: return match
        case .methodNotAllowed(let allowed): answer = { request in Self.methodNotAllowed(request, allowed: allowed) }
        case .notFound: answer = { request in Self.notFound(request) }
        }
        let route = Route(method: method, segments: [], bodyLimit: nil) { request in await middleware(request, nil, answer) }
        return .found(route, parameters: [:])
    }

    private func matchRoute(method: String, rawPath: Substring) -> Match {
        let segments = rawPath.split(separator: "/")
        return routes.withLock { routes -> Match in
            var allowed: [String] = []
            var getFallback: (Route, [String: String])?
            for route in routes {
                guard let parameters = Self.match(route.segments, segments) else { continue }
                if route.method == method { return .found(route, parameters: parameters) }
                if method == "HEAD" && route.method == "GET" && getFallback == nil { getFallback = (route, parameters) }
                if !allowed.contains(route.method) { allowed.append(route.method) }
            }
            if let (route, parameters) = getFallback { return .found(route, parameters: parameters) }
            return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
        }
    }

    private static func match(_ pattern: [Segment], _ segments: [Substring]) -> [String: String]? {
        guard pattern.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (expected, raw) in zip(pattern, segments) {
            guard let decoded = HTTPRequestTarget.percentDecode(raw, plusIsSpace: false) else { return nil }
            switch expected {
            case .literal(let literal):
                guard decoded == literal else { return nil }
            case .parameter(let name, let prefix, let suffix):
                guard decoded.utf8.count > prefix.utf8.count + suffix.utf8.count,
                    decoded.hasPrefix(prefix), decoded.hasSuffix(suffix) else { return nil }
                let value = decoded.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
                parameters[name] = String(decoding: value, as: UTF8.self)
            }
        }
        return parameters
    }

    private static func compile(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/").map { segment -> Segment in
            guard let open = segment.firstIndex(of: "{"), let close = segment[open...].firstIndex(of: "}") else {
                return .literal(String(segment))
            }
            return .parameter(
                name: String(segment[segment.index(after: open) ..< close]),
                prefix: String(segment[..<open]),
                suffix: String(segment[segment.index(after: close)...]))
        }
    }
}
