#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import Synchronization
import Testing

/// A running handler learns that its client went away (`HTTPRequest.disconnect`), over real sockets.
@Suite struct HTTPDisconnectSignalTests {
    /// What the `/wait` handler saw: whether its client went away before its 10 s wait ended.
    final class Observed: Sendable {
        let disconnected = Mutex<Bool?>(nil)
        let answered = Mutex<Bool?>(nil)
    }

    /// `/wait` waits up to 10 s for its client to go away; `/quick` answers at once and records,
    /// 300 ms later, whether its signal fired after it answered.
    private func routes(_ observed: Observed) -> (HTTPRouter) -> Void {
        { router in
            router.add("GET", "/wait") { request in
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let once = Mutex(Optional(continuation))
                    let resume: @Sendable () -> Void = { once.withLock { $0.take() }?.resume() }
                    request.disconnect.onDisconnect(resume)
                    DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: resume)
                }
                observed.disconnected.withLock { $0 = request.disconnect.isDisconnected }
                return .text("waited")
            }
            router.add("GET", "/quick") { request in
                let signal = request.disconnect
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
                    observed.answered.withLock { $0 = signal.isDisconnected }
                }
                return .text("quick")
            }
        }
    }

    /// Polls `value` until it is set or 5 s pass.
    private func eventually(_ value: borrowing Mutex<Bool?>) async -> Bool? {
        for _ in 0 ..< 500 {
            if let seen = value.withLock({ $0 }) { return seen }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test(arguments: ["close", "reset"])
    func aClientThatGoesAwayMidRequestFiresTheSignal(how: String) async throws {
        let observed = Observed()
        try await withTestServer(routes: routes(observed)) { port in
            await onThread {
                guard let connection = RawConnection(port: port) else { return }
                connection.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
                usleep(100_000)  // the handler is running
                if how == "reset" {
                    var linger = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                }
                // `connection` is released here: close() sends a FIN, or a RST with linger 0.
            }
            // Well before the handler's own 10 s: only the disconnect can have ended the wait.
            #expect(await eventually(observed.disconnected) == true)
        }
    }

    @Test func aClientThatStaysDoesNotFireTheSignal() async throws {
        let observed = Observed()
        try await withTestServer(routes: routes(observed)) { port in
            let response = await onThread { () -> RawResponse? in
                guard let connection = RawConnection(port: port) else { return nil }
                connection.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
                return connection.readResponse()
                // Closed after the answer was read: nobody is told, the request is over.
            }
            #expect(response?.bodyText == "quick")
            #expect(await eventually(observed.answered) == false)
        }
    }

    @Test func aRequestNotFromASocketHasASignalThatFiresOnlyWhenAsked() async throws {
        let signal = HTTPRequest().disconnect
        let calls = Mutex(0)
        signal.onDisconnect { calls.withLock { $0 += 1 } }
        #expect(!signal.isDisconnected)
        signal.fire()
        signal.fire()
        signal.onDisconnect { calls.withLock { $0 += 10 } }  // already fired: runs at once
        #expect(signal.isDisconnected)
        #expect(calls.withLock { $0 } == 11)
    }
}
