import Foundation
import Providers
import Testing

import Gateway

@Suite("Circuit breaker: closed → open → half-open (one probe) → closed / open")
struct CircuitBreakerTests {
    let t0 = Fixtures.now
    let policy = CircuitBreakerPolicy(
        consecutiveFailures: 5, failureRatio: 0.5, minimumRequests: 10, windowMs: 60_000, resetTimeoutMs: 200,
        probeTimeoutMs: 100)

    func at(_ ms: Double) -> Date { t0.addingTimeInterval(ms / 1000) }

    /// Dates built by different sums of milliseconds differ in the last bits of the Double.
    func same(_ date: Date?, _ ms: Double) -> Bool {
        guard let date else { return false }
        return abs(date.timeIntervalSince(at(ms))) < 1e-6
    }

    func rejected(_ admission: CircuitBreaker.Admission, until ms: Double) -> Bool {
        if case .rejected(let retryAt) = admission { return same(retryAt, ms) }
        return false
    }

    @Test func opensAfterFiveConsecutiveFailures() {
        var breaker = CircuitBreaker(policy: policy)
        for i in 0..<4 {
            breaker.recordFailure(holder: "w", now: at(Double(i)))
            #expect(breaker.state.state == .closed)
        }
        breaker.recordFailure(holder: "w", now: at(4))
        #expect(breaker.state.state == .open)
        #expect(same(breaker.state.openUntil, 204))
        #expect(rejected(breaker.acquire(holder: "w", now: at(100)), until: 204))
    }

    @Test func aSuccessResetsTheConsecutiveCount() {
        var breaker = CircuitBreaker(policy: policy)
        for i in 0..<4 { breaker.recordFailure(holder: "w", now: at(Double(i))) }
        breaker.recordSuccess(holder: "w", now: at(5))
        for i in 0..<4 { breaker.recordFailure(holder: "w", now: at(Double(10 + i))) }
        #expect(breaker.state.state == .closed)
        #expect(breaker.state.consecutiveFailures == 4)
    }

    @Test func opensOnFailureRatioOverTheWindow() {
        var breaker = CircuitBreaker(policy: policy)
        // Alternating: never 5 in a row, but half of 10 calls failed.
        for i in 0..<10 {
            if i % 2 == 0 {
                breaker.recordSuccess(holder: "w", now: at(Double(i)))
            } else {
                breaker.recordFailure(holder: "w", now: at(Double(i)))
            }
        }
        #expect(breaker.state.state == .open)
    }

    @Test func theRatioWindowRollsOver() {
        var breaker = CircuitBreaker(policy: policy)
        for i in 0..<8 { breaker.recordSuccess(holder: "w", now: at(Double(i))) }
        breaker.recordFailure(holder: "w", now: at(10))
        #expect(breaker.state.windowFailures == 1 && breaker.state.windowSuccesses == 8)
        breaker.recordFailure(holder: "w", now: at(60_001))
        #expect(breaker.state.windowFailures == 1 && breaker.state.windowSuccesses == 0)
        #expect(breaker.state.state == .closed)
    }

    @Test func halfOpenLetsExactlyOneProbeThroughAndItsSuccessCloses() {
        var breaker = CircuitBreaker(policy: policy, state: CircuitBreakerState(state: .open, openUntil: at(200)))
        #expect(rejected(breaker.acquire(holder: "worker-1/job-1", now: at(199)), until: 200))
        #expect(breaker.acquire(holder: "worker-1/job-1", now: at(200)) == .probe)
        #expect(breaker.state.state == .halfOpen)
        #expect(breaker.state.probeHolder == "worker-1/job-1")
        #expect(same(breaker.state.probeExpiresAt, 300))
        // Everyone else waits; the holder asking again keeps its probe.
        #expect(rejected(breaker.acquire(holder: "worker-2/job-7", now: at(210)), until: 300))
        #expect(rejected(breaker.peek(holder: "worker-3/job-8", now: at(210)), until: 300))
        #expect(breaker.acquire(holder: "worker-1/job-1", now: at(220)) == .probe)
        // A straggler's success does not close it; the probe's does.
        breaker.recordSuccess(holder: "worker-2/job-7", now: at(230))
        #expect(breaker.state.state == .halfOpen)
        breaker.recordSuccess(holder: "worker-1/job-1", now: at(240))
        #expect(breaker.state == CircuitBreakerState(state: .closed, windowStartedAt: at(240)))
        #expect(breaker.acquire(holder: "worker-2/job-7", now: at(241)) == .allowed)
    }

    @Test func aFailedProbeReopensForAnotherResetTimeout() {
        var breaker = CircuitBreaker(policy: policy, state: CircuitBreakerState(state: .open, openUntil: at(200)))
        #expect(breaker.acquire(holder: "a", now: at(250)) == .probe)
        breaker.recordFailure(holder: "b", now: at(255))  // not the probe: ignored
        #expect(breaker.state.state == .halfOpen)
        breaker.recordFailure(holder: "a", now: at(260))
        #expect(breaker.state.state == .open)
        #expect(same(breaker.state.openUntil, 460))
        #expect(breaker.state.probeHolder == nil)
    }

    @Test func anExpiredProbeCanBeTakenOver() {
        var breaker = CircuitBreaker(policy: policy, state: CircuitBreakerState(state: .open, openUntil: at(0)))
        #expect(breaker.acquire(holder: "crashed", now: at(0)) == .probe)
        #expect(rejected(breaker.acquire(holder: "other", now: at(99)), until: 100))
        #expect(breaker.acquire(holder: "other", now: at(100)) == .probe)
        #expect(breaker.state.probeHolder == "other")
    }

    @Test func releasingTheProbeFreesItWithoutAnOutcome() {
        var breaker = CircuitBreaker(policy: policy, state: CircuitBreakerState(state: .open, openUntil: at(0)))
        #expect(breaker.acquire(holder: "a", now: at(1)) == .probe)
        breaker.releaseProbe(holder: "a")
        #expect(breaker.state.state == .halfOpen)
        #expect(breaker.acquire(holder: "b", now: at(2)) == .probe)
    }

    @Test func peekDoesNotTakeTheProbe() {
        let breaker = CircuitBreaker(policy: policy, state: CircuitBreakerState(state: .open, openUntil: at(0)))
        #expect(breaker.peek(holder: "a", now: at(1)) == .probe)
        #expect(breaker.state.state == .open)
    }

    @Test func stateIsCodableWithColumnNames() throws {
        let state = CircuitBreakerState(
            state: .halfOpen, consecutiveFailures: 5, windowStartedAt: nil, windowSuccesses: 1, windowFailures: 5,
            openUntil: at(200), probeHolder: "worker-1/job-1", probeExpiresAt: at(300))
        let json = try JSONValue.parse(Array(JSONEncoder().encode(state)))
        #expect(json["state"] == "half_open")
        #expect(json["probe_holder"] == "worker-1/job-1")
        #expect(json["consecutive_failures"]?.intValue == 5)
        #expect(json["open_until"] != nil && json["probe_expires_at"] != nil)
        #expect(try JSONDecoder().decode(CircuitBreakerState.self, from: JSONEncoder().encode(state)) == state)
    }

    @Test(arguments: [
        (AttemptFailure.network, true, "network"), (.timeout, true, "timeout"), (.http(status: 500), true, "server_error"),
        (.http(status: 529), true, "server_error"), (.http(status: 429), false, "rate_limited"),
        (.http(status: 400), false, "client_error"), (.contextLengthExceeded, false, "client_error"),
    ])
    func whichFailuresCount(failure: AttemptFailure, counts: Bool, outcome: String) {
        #expect(failure.countsAgainstBreaker == counts)
        #expect(failure.outcome == outcome)
    }
}
