import Foundation
@testable import HTTP
import Synchronization
import Testing

@Suite("HTTPRouter middleware")
struct HTTPRouterMiddlewareTests {
    /// Every answer, 404 and 405 included, passes through the middleware, which sees the route
    /// pattern (nil when none matched) and may change the response.
    @Test(arguments: [
        ("GET", "/v1/jobs/42", 200, "/v1/jobs/{id}"),
        ("HEAD", "/v1/jobs/42", 200, "/v1/jobs/{id}"),
        ("PUT", "/v1/jobs/42", 405, nil),
        ("GET", "/nowhere", 404, nil),
    ] as [(String, String, Int, String?)])
    func everyAnswerPassesThroughTheMiddleware(method: String, target: String, status: Int, route: String?) async throws {
        let seen = Mutex<[String?]>([])
        let router = HTTPRouter { request, route, next in
            seen.withLock { $0.append(route) }
            var response = await next(request)
            response.headers["X-Seen"] = route ?? "none"
            return response
        }
        router.add("GET", "/v1/jobs/{id}") { request in .text("job \(request.pathParameters["id"] ?? "-")") }
        router.add("DELETE", "/v1/jobs/{id}") { _ in .text("deleted") }
        let (path, _) = try HTTPRequestTarget.parse(target, method: method)
        let response = await router.handle(HTTPRequest(method: method, path: path, target: target))
        #expect(response.status == status)
        #expect(response.headers["X-Seen"] == route ?? "none")
        #expect(seen.withLock { $0 } == [route])
        if status == 405 { #expect(response.headers["Allow"] == "GET, DELETE") }
    }
}
