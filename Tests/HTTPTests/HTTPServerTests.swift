#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import Testing

/// Sends `raw` on a fresh connection and reads one response; also reports whether the server
/// closed the connection afterwards.
func exchange(_ port: Int, _ raw: String) async -> (response: RawResponse?, closed: Bool) {
    await onThread {
        guard let connection = RawConnection(port: port, timeoutMs: 10_000) else { return (nil, false) }
        connection.send(raw)
        let response = connection.readResponse()
        return (response, response != nil && connection.isClosedByPeer(waitMs: 500))
    }
}

@Suite("HTTPServer")
struct HTTPServerTests {
    static let wellFormedAndMalformed: [(String, String, Int, Bool)] = [
        ("GET", "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, true),
        ("POST with Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", 200, true),
        ("chunked POST", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, true),
        ("HTTP/1.0 closes by default", "GET /hello HTTP/1.0\r\n\r\n", 200, true),
        ("CL and TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true),
        ("differing CLs", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, true),
        ("bad chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n", 400, true),
        ("chunk size overflow", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400, true),
        ("bare LF", "GET /hello HTTP/1.1\nHost: x\n\n", 400, true),
        ("obs-fold", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tmore\r\n\r\n", 400, true),
        ("invalid header name", "GET /hello HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n", 400, true),
        ("non-chunked final TE", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, true),
        ("garbage", "\u{16}\u{3}\u{1}\u{2}\u{0}\u{1}\u{0}\u{1}\u{fc}\u{3}\u{3}\r\n\r\n", 400, true),
        ("huge header count", "GET /hello HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-H: v\r\n", count: 150) + "\r\n", 431, true),
        ("oversized header", "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 70_000) + "\r\n\r\n", 431, true),
        ("oversized body (route limit)", "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + String(repeating: "z", count: 17), 413, true),
        ("oversized chunked body", "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + String(repeating: "z", count: 32) + "\r\n0\r\n\r\n", 413, true),
        ("oversized body (server limit)", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, true),
        ("body at the route limit", "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n" + String(repeating: "z", count: 16), 200, false),
        ("absolute-form target", "GET http://x/hello?a=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, true),
        ("unknown path", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, false),
        ("wrong method", "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", 405, false),
        ("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, true),
    ]

    @Test("raw request → status and Connection: close", arguments: wellFormedAndMalformed)
    func rawRequests(_ name: String, _ raw: String, _ status: Int, _ closes: Bool) async throws {
        try await withTestServer { port in
            let (response, closed) = await exchange(port, raw)
            #expect(response?.status == status, "\(name)")
            #expect(closed == closes, "\(name)")
            if status >= 400 {
                #expect(response?.header("content-type") == "application/json", "\(name)")
                #expect(response?.bodyText.hasPrefix(#"{"error":{"message":"#) == true, "\(name)")
            }
            if closes && status >= 400 {
                #expect(response?.closes == true, "\(name): Connection: close")
            }
        }
    }

    @Test func keepAliveConnectionServesManyRequests() async throws {
        try await withTestServer { port in
            let responses = await onThread { () -> [RawResponse?] in
                guard let connection = RawConnection(port: port) else { return [] }
                return (0 ..< 5).map { _ in
                    connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                    return connection.readResponse()
                }
            }
            #expect(responses.count == 5)
            for response in responses {
                #expect(response?.status == 200)
                #expect(response?.bodyText == "hello")
                #expect(response?.closes == false)
                #expect(response?.header("date")?.hasSuffix(" GMT") == true)
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withTestServer { port in
            let bodies = await onThread { () -> [String] in
                guard let connection = RawConnection(port: port) else { return [] }
                // The first handler sleeps longest: answers must still come back in request order.
                connection.send(
                    "GET /sleep/80 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /sleep/20 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nfour"
                    + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /sleep/0 HTTP/1.1\r\nHost: x\r\n\r\n")
                return (0 ..< 5).map { _ in
                    guard let response = connection.readResponse() else { return "nil" }
                    return response.status == 404 ? "404" : response.bodyText
                }
            }
            #expect(bodies == ["slept 80", "slept 20", "four", "404", "slept 0"])
        }
    }

    @Test func chunkedBodyIsReassembled() async throws {
        try await withTestServer { port in
            let response = await onThread { () -> RawResponse? in
                guard let connection = RawConnection(port: port) else { return nil }
                connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n")
                usleep(20_000)
                connection.send("5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: t\r\n\r\n")
                return connection.readResponse()
            }
            #expect(response?.status == 200)
            #expect(response?.bodyText == "Wikipedia in\r\n\r\nchunks.")
        }
    }

    @Test func expectContinueGetsAnInterimResponse() async throws {
        try await withTestServer { port in
            let (interim, final) = await onThread { () -> (RawResponse?, RawResponse?) in
                guard let connection = RawConnection(port: port) else { return (nil, nil) }
                connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                let interim = connection.readResponse()
                connection.send("hello")
                return (interim, connection.readResponse())
            }
            #expect(interim?.status == 100)
            #expect(final?.status == 200)
            #expect(final?.bodyText == "hello")
        }
    }

    @Test func expectContinueWithTooLargeBodyGets413Only() async throws {
        try await withTestServer { port in
            let (response, closed) = await exchange(
                port, "POST /small HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n")
            #expect(response?.status == 413)
            #expect(closed)
        }
    }

    @Test func headRequestUsesTheGetRouteWithoutBody() async throws {
        try await withTestServer { port in
            let (response, second) = await onThread { () -> (RawResponse?, RawResponse?) in
                guard let connection = RawConnection(port: port) else { return (nil, nil) }
                connection.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                let head = connection.readResponse(headRequest: true)
                connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                return (head, connection.readResponse())
            }
            #expect(response?.status == 200)
            #expect(response?.header("content-length") == "5")
            #expect(second?.bodyText == "hello")
        }
    }

    @Test func slowHeadersGet408OnTime() async throws {
        try await withTestServer(configure: { $0.headerTimeoutMs = 300 }) { port in
            let (response, elapsedMs) = await onThread { () -> (RawResponse?, Int) in
                guard let connection = RawConnection(port: port) else { return (nil, 0) }
                let start = Date()
                let head = Array("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
                // Trickle one byte every 50 ms: always some progress, never a whole head.
                for byte in head + Array(repeating: UInt8(ascii: "a"), count: 40) {
                    if !connection.send([byte]) || connection.hasInput(waitMs: 50) { break }
                    if Date().timeIntervalSince(start) > 1.5 { break }
                }
                let response = connection.readResponse()
                return (response, Int(Date().timeIntervalSince(start) * 1000))
            }
            #expect(response?.status == 408)
            #expect(response?.closes == true)
            #expect(elapsedMs < 1_200, "dropped after \(elapsedMs) ms")
        }
    }

    @Test func silentNewConnectionIsClosedAfterTheHeaderTimeout() async throws {
        try await withTestServer(configure: { $0.headerTimeoutMs = 200 }) { port in
            let (closed, elapsedMs) = await onThread { () -> (Bool, Int) in
                guard let connection = RawConnection(port: port) else { return (false, 0) }
                let start = Date()
                let closed = connection.isClosedByPeer(waitMs: 2_000)
                return (closed, Int(Date().timeIntervalSince(start) * 1000))
            }
            #expect(closed)
            #expect(elapsedMs >= 150 && elapsedMs < 1_000, "closed after \(elapsedMs) ms")
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() async throws {
        try await withTestServer(configure: { $0.idleTimeoutMs = 200 }) { port in
            let (status, closed, elapsedMs) = await onThread { () -> (Int?, Bool, Int) in
                guard let connection = RawConnection(port: port, timeoutMs: 10_000) else { return (nil, false, 0) }
                connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                let status = connection.readResponse()?.status
                let start = Date()
                let closed = connection.isClosedByPeer()
                return (status, closed, Int(Date().timeIntervalSince(start) * 1000))
            }
            #expect(status == 200)
            #expect(closed)
            #expect(elapsedMs < 1_500)
        }
    }

    @Test func handlerTimeIsNotCountedAgainstTheHeaderDeadline() async throws {
        // The header deadline leaves room for a loaded machine to schedule the client thread; the
        // handler then runs far past it.
        try await withTestServer(configure: { $0.headerTimeoutMs = 500 }) { port in
            let (response, _) = await exchange(port, "GET /sleep/1500 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response?.status == 200)
            #expect(response?.bodyText == "slept 1500")
        }
    }

    @Test func resetConnectionSendsRST() async throws {
        try await withTestServer { port in
            let result = await onThread { () -> (bytes: Int, errno: Int32) in
                guard let connection = RawConnection(port: port) else { return (-1, 0) }
                connection.send("GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
                let (bytes, code) = connection.readUntilClosed()
                return (bytes.count, code)
            }
            #expect(result.bytes == 0)
            #expect(result.errno == ECONNRESET)
        }
    }

    @Test func excessConnectionsAreClosed() async throws {
        try await withTestServer(configure: { $0.maxConnections = 2 }) { port in
            let (first, second, third) = await onThread { () -> (Int?, Int?, Bool) in
                guard let a = RawConnection(port: port), let b = RawConnection(port: port) else { return (nil, nil, false) }
                a.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                b.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                let first = a.readResponse()?.status, second = b.readResponse()?.status
                guard let c = RawConnection(port: port) else { return (first, second, true) }
                c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                return (first, second, c.readResponse() == nil)
            }
            #expect(first == 200)
            #expect(second == 200)
            #expect(third)
        }
    }

    @Test func http10KeepAliveIsAnnounced() async throws {
        try await withTestServer { port in
            let (first, second) = await onThread { () -> (RawResponse?, RawResponse?) in
                guard let connection = RawConnection(port: port) else { return (nil, nil) }
                connection.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let first = connection.readResponse()
                connection.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                return (first, connection.readResponse())
            }
            #expect(first?.header("connection") == "keep-alive")
            #expect(second?.status == 200)
        }
    }

    @Test func handlerCanAskToClose() async throws {
        try await withTestServer(routes: { router in
            router.add("GET", "/bye") { _ in HTTPResponse(status: 200, headers: ["Connection": "close"], body: Array("bye".utf8)) }
        }) { port in
            let (response, closed) = await exchange(port, "GET /bye HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response?.bodyText == "bye")
            #expect(response?.closes == true)
            #expect(closed)
        }
    }

    @Test func requestFollowedByHalfCloseIsAnswered() async throws {
        try await withTestServer { port in
            let response = await onThread { () -> RawResponse? in
                guard let connection = RawConnection(port: port) else { return nil }
                connection.send("GET /sleep/50 HTTP/1.1\r\nHost: x\r\n\r\n")
                shutdown(connection.fd, Int32(SHUT_WR))
                return connection.readResponse()
            }
            #expect(response?.status == 200)
            #expect(response?.bodyText == "slept 50")
        }
    }

    @Test func pipelinedRequestsBeforeAHalfCloseAreAllAnswered() async throws {
        try await withTestServer { port in
            let (statuses, closed) = await onThread { () -> ([Int], Bool) in
                guard let connection = RawConnection(port: port) else { return ([], false) }
                connection.send(
                    "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /sleep/10 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                shutdown(connection.fd, Int32(SHUT_WR))
                let statuses = (0 ..< 3).compactMap { _ in connection.readResponse()?.status }
                return (statuses, connection.isClosedByPeer())
            }
            #expect(statuses == [404, 200, 200])
            #expect(closed)
        }
    }

    @Test func pipelinedFloodFromAClientThatDoesNotReadIsBounded() async throws {
        try await withTestServer(routes: { router in
            let big = [UInt8](repeating: 65, count: 64 * 1024)
            router.add("GET", "/big") { _ in HTTPResponse(body: big) }
        }) { port in
            let answered = await onThread { () -> Int in
                guard let connection = RawConnection(port: port, timeoutMs: 5_000) else { return -1 }
                var sndTimeout = timeval(tv_sec: 0, tv_usec: 300_000)
                setsockopt(connection.fd, SOL_SOCKET, SO_SNDTIMEO, &sndTimeout, socklen_t(MemoryLayout<timeval>.size))
                // 2,000 requests for 64 KiB each (128 MiB of answers) before reading any: the server
                // must pause answering instead of buffering it all.
                let request = Array(String(repeating: "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", count: 100).utf8)
                for _ in 0 ..< 20 { if !connection.send(request) { break } }
                usleep(200_000)
                var answered = 0
                while answered < 2_000, let response = connection.readResponse(), response.status == 200 { answered += 1 }
                return answered
            }
            // Answering paused at ~1 MiB of unsent output and resumed as the client read: every
            // request is answered, in full.
            #expect(answered == 2_000)
        }
    }

    @Test func thousandConcurrentKeepAliveConnections() async throws {
        raiseOpenFileLimit(to: 8_192)
        try await withTestServer { port in
            let (ok, failed) = await onThread { () -> (Int, Int) in
                var connections: [RawConnection] = []
                for _ in 0 ..< 1_000 {
                    guard let connection = RawConnection(port: port, timeoutMs: 10_000) else { return (0, 1_000) }
                    connections.append(connection)
                }
                var ok = 0, failed = 0
                // Two rounds: every connection is open at once, and each is reused.
                for round in 0 ..< 2 {
                    for connection in connections { connection.send("GET /hello?round=\(round) HTTP/1.1\r\nHost: x\r\n\r\n") }
                    for connection in connections {
                        if let response = connection.readResponse(), response.status == 200, !response.closes { ok += 1 } else { failed += 1 }
                    }
                }
                return (ok, failed)
            }
            #expect(ok == 2_000)
            #expect(failed == 0)
        }
    }
}

/// Raises the soft RLIMIT_NOFILE (never above the hard limit).
func raiseOpenFileLimit(to wanted: UInt) {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < wanted else { return }
    limit.rlim_cur = min(wanted, limit.rlim_max)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
