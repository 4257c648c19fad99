import Foundation
import HTTP
import Testing

@Suite("HTTPServer")
struct HTTPServerTests {
    @Test func servesKeepAliveRequests() async throws {
        try await withTestServer { port in
            let responses = await onThread { () -> [RawResponse?] in
                guard let connection = RawConnection(port: port) else { return [] }
                var responses: [RawResponse?] = []
                for _ in 0 ..< 3 {
                    connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                    responses.append(connection.readResponse())
                }
                return responses
            }
            #expect(responses.count == 3)
            for response in responses {
                #expect(response?.status == 200)
                #expect(response?.bodyText == "hello")
                #expect(response?.closes == false)
            }
        }
    }
}
