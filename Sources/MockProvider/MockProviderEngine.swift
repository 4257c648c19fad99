import Foundation
import Synchronization

/// The mock provider's brain, independent of sockets: decides each call's answer, fault, latency and
/// rate-limit headers, keeps outages, windows and stats. `MockProviderServer` puts it behind HTTP.
public final class MockProviderEngine: Sendable {
    struct State {
        var configuration: MockProviderConfiguration
        var outages: [String: MockOutageMode] = [:]
        var limiters: [String: MockRateLimiter] = [:]
        var randoms: [String: MockRandom] = [:]
        var stats = MockStats()
        /// Prompts seen, for OpenAI-style prompt caching of long prompts.
        var promptCache: Set<UInt64> = []
        var sequence: UInt64 = 0
    }

    /// What was decided under the lock; rendered to bytes after it is released.
    private enum Plan {
        case failure(MockFailure, rate: MockRateLimiter.Decision?)
        case outage(MockOutageMode, hangMs: Int)
        case answer(MockAnswer, fault: MockFault?, latencyMs: Double, hangMs: Int, rate: MockRateLimiter.Decision, sequence: UInt64)
    }

    let state: Mutex<State>
    private let clock: @Sendable () -> Double
    private let stopping = Atomic<Bool>(false)

    /// - Parameter clock: Unix time in seconds; tests pass a fake one to drive rate windows.
    public init(configuration: MockProviderConfiguration, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        state = Mutex(State(configuration: configuration))
        self.clock = clock
    }

    /// True once `beginShutdown()` was called.
    public var isShuttingDown: Bool { stopping.load(ordering: .acquiring) }

    /// From now on, latencies and hangs are not waited for: the server sends each answer (or
    /// reset) at once. Answers already held by the server go out when it shuts down.
    public func beginShutdown() {
        stopping.store(true, ordering: .releasing)
    }

    /// Decides the answer to one chat call.
    public func handle(_ call: MockCall) -> MockDecision {
        let now = clock()
        let parsed = MockRequestParser.parse(call)
        let plan: Plan = state.withLock { state in
            let configuration = state.configuration
            if let failure = MockRequestParser.authenticate(call, apiKeys: configuration.apiKeys) {
                state.stats.record(model: Self.statsName(call, parsed), outcome: failure.statsKey)
                return .failure(failure, rate: nil)
            }
            let request: MockChatRequest
            switch parsed {
            case .failure(let failure):
                state.stats.record(model: Self.statsName(call, parsed), outcome: failure.statsKey)
                return .failure(failure, rate: nil)
            case .success(let value):
                request = value
            }
            guard let profile = configuration.models[request.model] else {
                state.stats.record(model: request.model, outcome: "not_found")
                return .failure(MockFailure(.modelNotFound, model: request.model), rate: nil)
            }
            var answer = MockAnswer(for: request, answeredBy: profile.responseModel ?? request.model)
            if let window = profile.contextWindow, answer.promptTokens > window {
                state.stats.record(model: request.model, outcome: "bad_request")
                return .failure(Self.contextFailure(call.format, tokens: answer.promptTokens, window: window), rate: nil)
            }
            if let mode = state.outages[request.model] {
                let outcome = mode == .serviceUnavailable ? "server_error" : mode.rawValue
                state.stats.record(model: request.model, outcome: outcome, outage: true)
                return .outage(mode, hangMs: profile.hangMs)
            }
            var limiter = state.limiters[request.model] ?? MockRateLimiter(profile: profile)
            let rate = limiter.admit(tokens: answer.totalTokens, now: now)
            state.limiters[request.model] = limiter
            if !limiter.isUnlimited { state.stats.recordArrival(model: request.model, at: now) }
            if !rate.admitted {
                state.stats.record(model: request.model, outcome: "rate_limited")
                return .failure(Self.rateFailure(call.format, model: request.model, decision: rate, tokens: answer.totalTokens), rate: rate)
            }
            var random = state.randoms[request.model] ?? MockRandom(seed: configuration.seed, stream: request.model)
            let fault = MockFault.select(rates: profile.faultRates, draw: random.unit())
            let latency = (configuration.latencyOverride ?? profile.latency).sample(&random)
            state.randoms[request.model] = random
            if call.format == .openAI || call.format == .azure, answer.promptTokens >= 1024 {
                let key = MockAnswer.digest(request.messages) ^ MockAnswer.fnv1a(request.model)
                if state.promptCache.contains(key) {
                    answer.cachedTokens = answer.promptTokens / 128 * 128
                } else {
                    if state.promptCache.count >= 100_000 { state.promptCache.removeAll(keepingCapacity: true) }
                    state.promptCache.insert(key)
                }
            }
            state.stats.record(model: request.model, outcome: fault?.statsKey ?? "ok")
            if fault == nil {
                state.stats.addTokens(model: request.model, prompt: answer.promptTokens, completion: answer.completionTokens)
            }
            state.sequence += 1
            return .answer(answer, fault: fault, latencyMs: latency, hangMs: profile.hangMs, rate: rate, sequence: state.sequence)
        }
        return render(plan, format: call.format, now: now)
    }

    private static func statsName(_ call: MockCall, _ parsed: Result<MockChatRequest, MockFailure>) -> String {
        if case .success(let request) = parsed { return request.model }
        return MockRequestParser.modelName(call) ?? "unknown"
    }

    private static func contextFailure(_ format: MockWireFormat, tokens: Int, window: Int) -> MockFailure {
        switch format {
        case .openAI, .azure:
            MockFailure(.contextLengthExceeded, "This model's maximum context length is \(window) tokens. However, your messages resulted in \(tokens) tokens. Please reduce the length of the messages.", param: "messages")
        case .anthropic:
            MockFailure(.contextLengthExceeded, "prompt is too long: \(tokens) tokens > \(window) maximum")
        case .gemini:
            MockFailure(.contextLengthExceeded, "The input token count (\(tokens)) exceeds the maximum number of tokens allowed (\(window)).")
        }
    }

    private static func rateFailure(_ format: MockWireFormat, model: String, decision: MockRateLimiter.Decision, tokens: Int) -> MockFailure {
        let budget = (decision.limitedOnTokens ? decision.tokens : decision.requests) ?? MockRateLimiter.Budget(limit: 0, remaining: 0, resetSeconds: 0)
        let message: String
        switch format {
        case .anthropic:
            message = String(budget.limit)
        default:
            let used = budget.limit - budget.remaining
            message = decision.limitedOnTokens
                ? "tokens per min (TPM): Limit \(budget.limit), Used \(used), Requested \(tokens)"
                : "requests per min (RPM): Limit \(budget.limit), Used \(used), Requested 1"
        }
        var failure = MockFailure(.rateLimited, message, model: model)
        failure.retryAfterSeconds = decision.retryAfterSeconds
        failure.limitedOnTokens = decision.limitedOnTokens
        return failure
    }

    private func render(_ plan: Plan, format: MockWireFormat, now: Double) -> MockDecision {
        switch plan {
        case .failure(let failure, let rate):
            var headers = rate.map { MockRateLimitHeaders.headers($0, format: format, now: now) } ?? []
            return failureDecision(failure, format: format, extraHeaders: &headers)
        case .outage(let mode, let hangMs):
            switch mode {
            case .serviceUnavailable:
                var headers: [(String, String)] = []
                var decision = failureDecision(MockFailure(.serviceUnavailable), format: format, extraHeaders: &headers)
                decision.outcome = "outage"
                return decision
            case .reset: return MockDecision(reply: .reset, outcome: "outage")
            case .hang: return MockDecision(delayMs: Double(hangMs), reply: .reset, outcome: "outage")
            }
        case .answer(let answer, let fault, let latencyMs, let hangMs, let rate, let sequence):
            var headers = MockRateLimitHeaders.headers(rate, format: format, now: now)
            let id = answer.hash.prefix(12) + String(sequence, radix: 16)
            headers.append((format == .anthropic ? "request-id" : "x-request-id", "req_\(id)"))
            let body = { MockResponseBody.render(answer, format: format, id: String(id), created: Int(now)) }
            switch fault {
            case nil:
                headers.insert(("Content-Type", "application/json"), at: 0)
                let bytes = MockResponseBody.renderBytes(answer, format: format, id: String(id), created: Int(now))
                return MockDecision(delayMs: latencyMs, reply: .respond(status: 200, headers: headers, body: bytes), outcome: "ok")
            case .internalServerError, .badGateway, .serviceUnavailable, .overloaded:
                let kind: MockFailure.Kind = switch fault {
                case .internalServerError: .serverError
                case .badGateway: .badGateway
                case .serviceUnavailable: .serviceUnavailable
                default: .overloaded
                }
                var decision = failureDecision(MockFailure(kind), format: format, extraHeaders: &headers)
                decision.delayMs = latencyMs
                return decision
            case .malformed, .truncated:
                headers.insert(("Content-Type", "application/json"), at: 0)
                let text = fault == .malformed ? MockResponseBody.malformed(body()) : MockResponseBody.truncated(body())
                return MockDecision(delayMs: latencyMs, reply: .respond(status: 200, headers: headers, body: Array(text.utf8)), outcome: fault!.statsKey)
            case .hang:
                return MockDecision(delayMs: Double(hangMs), reply: .reset, outcome: "hang")
            case .reset:
                return MockDecision(delayMs: latencyMs, reply: .reset, outcome: "reset")
            }
        }
    }

    private func failureDecision(_ failure: MockFailure, format: MockWireFormat, extraHeaders: inout [(String, String)]) -> MockDecision {
        let (contentType, body) = MockErrorBody.render(failure, format: format)
        extraHeaders.insert(("Content-Type", contentType), at: 0)
        return MockDecision(
            reply: .respond(status: failure.status(in: format), headers: extraHeaders, body: Array(body.utf8)),
            outcome: failure.statsKey)
    }
}
