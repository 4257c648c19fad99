import Testing
@testable import MockProvider

@Suite("Mock provider fault selection")
struct MockFaultTests {
    @Test func drawWalksCumulativeRatesInOrder() {
        let rates: [MockFault: Double] = [.internalServerError: 0.1, .overloaded: 0.2, .truncated: 0.1]
        #expect(MockFault.select(rates: rates, draw: 0.05) == .internalServerError)
        #expect(MockFault.select(rates: rates, draw: 0.15) == .overloaded)
        #expect(MockFault.select(rates: rates, draw: 0.35) == .truncated)
        #expect(MockFault.select(rates: rates, draw: 0.45) == nil)
        #expect(MockFault.select(rates: [:], draw: 0) == nil)
        #expect(MockFault.select(rates: [.reset: 1], draw: 0.999_999) == .reset)
    }

    @Test func seededSequencesRepeatAndRatesHold() {
        let rates: [MockFault: Double] = [.serviceUnavailable: 0.2, .reset: 0.1]
        func run(seed: UInt64) -> [MockFault?] {
            var random = MockRandom(seed: seed, stream: "gpt-4o")
            return (0..<2000).map { _ in MockFault.select(rates: rates, draw: random.unit()) }
        }
        let first = run(seed: 42)
        #expect(first == run(seed: 42))
        #expect(first != run(seed: 43))
        let unavailable = first.filter { $0 == .serviceUnavailable }.count
        let resets = first.filter { $0 == .reset }.count
        #expect((330...470).contains(unavailable), "about 20% of 2000")
        #expect((140...260).contains(resets), "about 10% of 2000")
    }

    @Test func latencyDistributions() {
        var random = MockRandom(seed: 1)
        #expect(MockLatency.none.sample(&random) == 0)
        #expect(MockLatency.fixed(ms: 25).sample(&random) == 25)
        let uniform = (0..<1000).map { _ in MockLatency.uniform(minMs: 10, maxMs: 20).sample(&random) }
        #expect(uniform.allSatisfy { (10...20).contains($0) })
        let normal = (0..<4000).map { _ in MockLatency.normal(meanMs: 300, stddevMs: 50).sample(&random) }
        let mean = normal.reduce(0, +) / Double(normal.count)
        #expect(abs(mean - 300) < 5)
        #expect(normal.allSatisfy { $0 >= 0 })
    }

    @Test func engineFaultsAreRepeatableForASeed() {
        func outcomes() -> [String] {
            var configuration = MockProviderConfiguration(seed: 9)
            configuration.models["gpt-4o"]?.faultRates = [.internalServerError: 0.2, .badGateway: 0.1, .overloaded: 0.1, .malformed: 0.1, .truncated: 0.1, .reset: 0.1]
            let engine = MockProviderEngine(configuration: configuration)
            let call = MockCall(format: .openAI, headers: ["Authorization": "Bearer k"], json: ["model": "gpt-4o", "messages": [["role": "user", "content": "x"]]])
            return (0..<300).map { _ in
                let decision = engine.handle(call)
                if case .reset = decision.reply { return "reset" }
                return "\(decision.status ?? 0) \(decision.outcome)"
            }
        }
        let first = outcomes()
        #expect(first == outcomes())
        #expect(Set(first) == ["200 ok", "500 server_error", "502 server_error", "529 overloaded", "200 malformed", "200 truncated", "reset"])
    }

    @Test func faultBodiesLookLikeTheProvider() {
        var configuration = MockProviderConfiguration()
        configuration.models["claude-3-5-sonnet"]?.faultRates = [.overloaded: 1]
        configuration.models["gpt-4o"]?.faultRates = [.badGateway: 1]
        let engine = MockProviderEngine(configuration: configuration)
        let overloaded = engine.handle(MockCall(format: .anthropic, headers: ["x-api-key": "k", "anthropic-version": "2023-06-01"], json: ["model": "claude-3-5-sonnet", "max_tokens": 5, "messages": [["role": "user", "content": "x"]]]))
        #expect(overloaded.status == 529)
        #expect(overloaded.bodyJSON?["error"]?["type"] == "overloaded_error")
        let gateway = engine.handle(MockCall(format: .openAI, headers: ["Authorization": "Bearer k"], json: ["model": "gpt-4o", "messages": [["role": "user", "content": "x"]]]))
        #expect(gateway.status == 502)
        #expect(gateway.header("content-type") == "text/html")
    }

    @Test func hangWaitsTheProfileHangThenResets() {
        var configuration = MockProviderConfiguration()
        configuration.models["gpt-4o"]?.faultRates = [.hang: 1]
        configuration.models["gpt-4o"]?.hangMs = 1234
        let engine = MockProviderEngine(configuration: configuration)
        let decision = engine.handle(MockCall(format: .openAI, headers: ["Authorization": "Bearer k"], json: ["model": "gpt-4o", "messages": [["role": "user", "content": "x"]]]))
        #expect(decision.delayMs == 1234)
        guard case .reset = decision.reply else { Issue.record("expected a reset after the hang"); return }
    }
}
