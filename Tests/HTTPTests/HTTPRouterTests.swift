import Foundation
@testable import HTTP
import Testing

@Suite("HTTPRouter")
struct HTTPRouterTests {
    static func router() -> HTTPRouter {
        let router = HTTPRouter()
        router.add("GET", "/v1/jobs/{id}") { request in .text("job \(request.pathParameters["id"] ?? "-")") }
        router.add("DELETE", "/v1/jobs/{id}") { request in .text("deleted \(request.pathParameters["id"] ?? "-")") }
        router.add("GET", "/v1/jobs") { _ in .text("list") }
        router.add("POST", "/v1beta/models/{model}:generateContent") { request in
            .text("gemini \(request.pathParameters["model"] ?? "-")")
        }
        router.add("GET", "/a/{x}/b/{y}") { request in
            .text("\(request.pathParameters["x"] ?? "-") \(request.pathParameters["y"] ?? "-")")
        }
        return router
    }

    static let cases: [(String, String, Int, String)] = [
        ("GET", "/v1/jobs/42", 200, "job 42"),
        ("DELETE", "/v1/jobs/42", 200, "deleted 42"),
        ("GET", "/v1/jobs", 200, "list"),
        ("GET", "/v1/jobs/", 200, "list"),
        ("GET", "/v1/jobs/a%2Fb", 200, "job a/b"),
        ("GET", "/v1/jobs/with%20space", 200, "job with space"),
        ("POST", "/v1beta/models/gemini-1.5-flash:generateContent", 200, "gemini gemini-1.5-flash"),
        ("POST", "/v1beta/models/:generateContent", 404, ""),
        ("GET", "/a/1/b/2", 200, "1 2"),
        ("HEAD", "/v1/jobs/7", 200, "job 7"),
        ("PUT", "/v1/jobs/42", 405, ""),
        ("GET", "/v1/jobs/42/extra", 404, ""),
        ("GET", "/", 404, ""),
    ]

    @Test("routes", arguments: cases)
    func routes(_ method: String, _ target: String, _ status: Int, _ body: String) async throws {
        let (path, _) = try HTTPRequestTarget.parse(target, method: method)
        let request = HTTPRequest(method: method, path: path, target: target)
        let response = await Self.router().handle(request)
        #expect(response.status == status)
        if status == 200 { #expect(String(decoding: response.body, as: UTF8.self) == body) }
    }

    @Test func errorsUseTheOpenAIShape() async throws {
        struct ErrorBody: Decodable {
            struct Detail: Decodable { let message: String; let type: String; let code: String? }
            let error: Detail
        }
        let router = Self.router()
        let notFound = await router.handle(HTTPRequest(method: "GET", path: "/missing"))
        #expect(notFound.status == 404)
        #expect(notFound.headers["Content-Type"] == "application/json")
        let detail = try JSONDecoder().decode(ErrorBody.self, from: Data(notFound.body)).error
        #expect(detail.type == "invalid_request_error")
        #expect(detail.code == "not_found")
        #expect(detail.message.contains("/missing"))

        let wrongMethod = await router.handle(HTTPRequest(method: "PATCH", path: "/v1/jobs/1"))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["Allow"] == "GET, DELETE")
        #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(wrongMethod.body)).error.code == "method_not_allowed")
    }

    @Test func errorHelperEscapesJSON() throws {
        let response = HTTPResponse.error(status: 400, message: "bad \"quote\"\n\u{1}", code: nil)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: Any]]
        #expect(object?["error"]?["message"] as? String == "bad \"quote\"\n\u{1}")
        #expect(object?["error"]?["code"] is NSNull)
    }

    @Test func jsonHelperEncodes() throws {
        struct Job: Codable, Equatable { let id: String; let status: String }
        let response = HTTPResponse.json(Job(id: "1", status: "queued"), status: 202)
        #expect(response.status == 202)
        #expect(response.headers["content-type"] == "application/json")
        #expect(try JSONDecoder().decode(Job.self, from: Data(response.body)) == Job(id: "1", status: "queued"))
    }

    @Test func headersAreCaseInsensitiveAndOrdered() {
        var headers = HTTPHeaders([("X-A", "1"), ("x-a", "2"), ("B", "3")])
        #expect(headers["x-A"] == "1")
        #expect(headers.values("X-A") == ["1", "2"])
        headers["X-A"] = "9"
        #expect(headers.values("x-a") == ["9"])
        headers.add("b", "4")
        #expect(headers.values("B") == ["3", "4"])
        #expect(headers.map(\.name) == ["B", "X-A", "b"])
    }
}
