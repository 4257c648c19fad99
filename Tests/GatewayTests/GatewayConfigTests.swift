import Foundation
import Testing

import Gateway
import Providers

@Suite("Gateway config: examples, validation with JSON paths")
struct GatewayConfigTests {
    /// A small valid config whose parts the cases replace.
    static func config(
        providers: String = #"[{"name": "openai", "type": "openai", "base_url": "https://api.openai.com", "api_key_env": "OPENAI_API_KEY"}]"#,
        deployments: String = #"""
            [{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "price": {"input_per_million": 2.5, "output_per_million": 10}},
             {"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini", "price": {"input_per_million": 0.15, "output_per_million": 0.6}}]
            """#,
        routes: String = #"[{"name": "chat", "strategy": "weighted", "targets": ["gpt-4o", "gpt-4o-mini"]}]"#,
        extra: String = ""
    ) -> String {
        #"{"providers": \#(providers), "deployments": \#(deployments), "routes": \#(routes)\#(extra)}"#
    }

    @Test func theExamplesValidate() throws {
        let mock = Fixtures.example
        #expect(mock.providers.count == 6)
        #expect(Set(mock.providers.map(\.type)) == Set(WireFormat.allCases).subtracting([.openaiCompatible]))
        #expect(mock.providers.allSatisfy { $0.keys.allSatisfy { if case .literal = $0.source { true } else { false } } })
        #expect(mock.route(named: "chat")?.targets.map(\.weight) == [50, 50])
        #expect(mock.route(named: "chat")?.fallbacks == ["claude-3-5-sonnet"])
        #expect(mock.route(named: "auto")?.strategy == .complexity)
        #expect(mock.cacheTTLSeconds(route: mock.route(named: "chat")!) == 3600)
        #expect(mock.baselinePrice == ModelPrice(inputPerMillion: 2.5, outputPerMillion: 10))
        for deployment in mock.deployments { #expect(mock.route(named: deployment.name) != nil) }

        let real = try GatewayConfig.load(path: Fixtures.examplePath("switchyard.real.json"))
        let variables = real.providers.flatMap(\.keys).compactMap { key -> String? in
            if case .environment(let name) = key.source { name } else { nil }
        }
        #expect(
            Set(variables) == [
                "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY",
                "DEEPSEEK_API_KEY",
            ])
        #expect(real.route(named: "auto")?.classifier == ClassifierSettings(mode: .llm, route: "gpt-4o-mini"))
        #expect(real.route(named: "auto")?.complexity == ComplexityTable.seed())
    }

    @Test(arguments: [
        (WireFormat.openai, "https://api.openai.com/v1"), (.anthropic, "https://api.anthropic.com"),
        (.gemini, "https://generativelanguage.googleapis.com"), (.mistral, "https://api.mistral.ai/v1"),
        (.deepseek, "https://api.deepseek.com/v1"),
    ])
    func publicProvidersHaveADefaultBaseURL(type: WireFormat, url: String) throws {
        let config = try GatewayConfig.parse(
            Self.config(providers: #"[{"name": "openai", "type": "\#(type.rawValue)", "api_key_env": "K"}]"#))
        #expect(config.providers[0].endpoints == [ProviderConfig.Endpoint(baseURL: url)])
    }

    @Test func defaultsApplyWhenSectionsAreOmitted() throws {
        let config = try GatewayConfig.parse(Self.config())
        #expect(config.resilience.breaker.consecutiveFailures == 5)
        #expect(config.resilience.breaker.resetTimeoutMs == 60_000)
        #expect(config.cache.ttlSeconds == 3_600)
        #expect(config.baselineModel == "gpt-4o")
        #expect(config.routes[0].failover == .default)
        #expect(config.routes[0].targets.map(\.weight) == [1, 1])
    }

    @Test(arguments: [
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"]}, {"name": "b", "strategy": "weighted", "targets": [{"deployment": "gpt-5"}]}]"#),
            #"routes[1].targets[0].deployment: unknown deployment "gpt-5""#
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o", "o1"]}]"#),
            #"routes[0].targets[1]: unknown deployment "o1""#
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openai", "base_url": "https://api.openai.com", "api_key": "sk-live-secret"}]"#),
            "providers[0].api_key: a literal key is allowed only when every base_url is a loopback server"
        ),
        (
            config(providers: #"[{"name": "openai", "base_url": "https://api.openai.com", "api_key_env": "K"}]"#),
            "providers[0].type: missing; expected one of openai, azure, anthropic, gemini, mistral, deepseek, openai-compatible"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openia", "base_url": "https://api.openai.com", "api_key_env": "K"}]"#),
            #"providers[0].type: expected one of openai, azure, anthropic, gemini, mistral, deepseek, openai-compatible, found "openia""#
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openai", "base_url": "api.openai.com", "api_key_env": "K"}]"#),
            "providers[0].base_url: expected an http(s) URL"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openai", "base_url": "https://api.openai.com"}]"#),
            "providers[0].api_key_env: required, but missing"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "azure", "api_version": "2024-10-21", "api_key_env": "K"}]"#),
            "providers[0].base_url: required for azure providers"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "azure", "base_url": "https://x.openai.azure.com", "api_key_env": "K"}]"#),
            "providers[0].api_version: required for azure providers"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openai", "endpoints": [{"base_url": "https://a"}, {"base_url": 3}], "keys": [{"api_key_env": "9X"}]}]"#),
            "providers[0].endpoints[1].base_url: expected a string, found a number"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openai", "base_url": "https://a", "keys": []}]"#),
            "providers[0].keys: expected at least one key"
        ),
        (
            config(providers: #"[{"name": "openai", "type": "openai", "base_url": "https://a", "keys": [{"api_key_env": "9X"}]}]"#),
            "providers[0].keys[0].api_key_env: expected an environment variable name"
        ),
        (
            config(deployments: #"[{"name": "gpt-4o", "provider": "oai", "model": "gpt-4o", "price": {"input_per_million": 1, "output_per_million": 1}}]"#),
            #"deployments[0].provider: unknown provider "oai"; expected one of "openai""#
        ),
        (
            config(deployments: #"[{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "price": {"input_per_million": -1, "output_per_million": 1}}]"#),
            "deployments[0].price.input_per_million: expected a number ≥ 0 (USD), found -1"
        ),
        (
            config(deployments: #"[{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o"}]"#),
            "deployments[0].price: required, but missing"
        ),
        (
            config(deployments: #"[{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "wieght": 2, "price": {"input_per_million": 1, "output_per_million": 1}}]"#),
            "deployments[0].wieght: unknown key; expected one of name, provider, model"
        ),
        (
            config(deployments: #"[{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "rpm": 0, "price": {"input_per_million": 1, "output_per_million": 1}}]"#),
            "deployments[0].rpm: expected an integer ≥ 1, found 0"
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "random", "targets": ["gpt-4o"]}]"#),
            #"routes[0].strategy: expected one of weighted, priority, least-latency, cost, complexity, found "random""#
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "fallbacks": ["claude"]}]"#),
            #"routes[0].fallbacks[0]: unknown deployment "claude""#
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "fallbacks": ["gpt-4o"]}]"#),
            #"routes[0].fallbacks[0]: deployment "gpt-4o" is already listed in this route"#
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "failover_on": ["timeout", "http_418", "503"]}]"#),
            #"routes[0].failover_on[1]: expected one of error, timeout, 429, 5xx, 529, context_length or an HTTP status 400-599, found "http_418""#
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "weighted", "targets": [{"deployment": "gpt-4o", "weight": 0}]}]"#),
            "routes[0].targets: weighted route needs at least one target with weight > 0"
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "cache": {"ttl_s": -1}}]"#),
            "routes[0].cache.ttl_s: expected an integer ≥ 0, found -1"
        ),
        (
            config(routes: #"[{"name": "auto", "strategy": "complexity"}]"#),
            #"routes[0].complexity: required, but missing; the default (seed) table needs deployments "claude-3-5-sonnet""#
        ),
        (
            config(routes: #"[{"name": "auto", "strategy": "complexity", "complexity": {"table": {"low": {"default": "gpt-4o-mini"}, "medium": {"code": "gpt-4o"}, "high": {"default": "gpt-4o"}}}}]"#),
            "routes[0].complexity.table.medium: no deployment for simple_qa, general, math, reasoning, analysis, creative, translation; add them or a \"default\""
        ),
        (
            config(routes: #"[{"name": "auto", "strategy": "complexity", "complexity": {"table": {"low": {"default": "gpt-4o-mini"}, "medium": {"default": "gpt-4o"}, "high": {"default": "gpt-4o", "poetry": "gpt-4o"}}}}]"#),
            "routes[0].complexity.table.high.poetry: unknown key; expected one of simple_qa"
        ),
        (
            config(routes: #"[{"name": "auto", "strategy": "complexity", "complexity": {"table": {"low": {"default": "gpt-4o-mini"}, "medium": {"default": "gpt-4o"}, "high": {"default": "gpt-4o"}}, "classifier": {"mode": "llm"}}}]"#),
            "routes[0].complexity.classifier.route: required for mode \"llm\""
        ),
        (
            config(routes: #"[{"name": "auto", "strategy": "complexity", "complexity": {"table": {"low": {"default": "gpt-4o-mini"}, "medium": {"default": "gpt-4o"}, "high": {"default": "gpt-4o"}}, "classifier": {"mode": "llm", "route": "gpt-4o-mini", "timeout_ms": 0}}}]"#),
            "routes[0].complexity.classifier.timeout_ms: expected an integer ≥ 1, found 0"
        ),
        (
            config(deployments: #"[{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "rpm": 5, "rate_window_s": 0, "price": {"input_per_million": 1, "output_per_million": 1}}]"#),
            "deployments[0].rate_window_s: expected a number in (0, 3600] seconds, found 0"
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "complexity": {}}]"#),
            #"routes[0].complexity: only routes with strategy "complexity" take a complexity table"#
        ),
        (
            config(routes: #"[{"name": "a", "strategy": "priority", "targets": ["gpt-4o"]}, {"name": "a", "strategy": "priority", "targets": ["gpt-4o"]}]"#),
            #"routes[1].name: duplicate route name "a""#
        ),
        (
            config(extra: #", "baseline_model": "gpt-5""#),
            #"baseline_model: no deployment named or serving "gpt-5""#
        ),
        (
            config(extra: #", "resilience": {"breaker": {"failure_ratio": 1.5}}"#),
            "resilience.breaker.failure_ratio: expected a number in (0, 1], found 1.5"
        ),
        (
            config(extra: #", "resilience": {"backoff_base_ms": 5000, "backoff_max_ms": 100}"#),
            "resilience.backoff_max_ms: expected ≥ backoff_base_ms (5000)"
        ),
        (
            config(extra: #", "cache": {"max_entries": "many"}"#),
            "cache.max_entries: expected an integer, found a string"
        ),
        (#"{"providers": [}"#, "(root): invalid JSON at line 1"),
        ("[]", "(root): expected an object, found an array"),
    ])
    func errorsNameThePathAndWhatWasExpected(json: String, expected: String) {
        let issues = Fixtures.issues(json)
        #expect(issues.contains { $0.hasPrefix(expected) }, "\(issues)")
    }

    @Test func everyErrorIsCollectedInDocumentOrder() {
        let json = Self.config(
            providers: #"[{"name": "openai", "type": "openia", "base_url": "https://api.openai.com", "api_key_env": "K"}]"#,
            routes: #"[{"name": "a", "strategy": "weighted", "targets": ["gpt-5"]}, {"name": "b", "strategy": "cost", "targets": ["gpt-4o"], "fallbacks": ["x"]}]"#)
        let issues = Fixtures.issues(json)
        // The provider with a bad type is still known by name: its deployments are not reported too.
        #expect(issues.count == 3, "\(issues)")
        #expect(issues.map { String($0.prefix { $0 != ":" }) } == [
            "providers[0].type",
            "routes[0].targets[0]",
            "routes[1].fallbacks[0]",
        ])
    }

    @Test func literalKeysAreNeverEchoed() {
        let json = Self.config(
            providers: #"[{"name": "openai", "type": "openai", "base_url": "https://api.openai.com", "api_key": "sk-live-secret"}]"#)
        #expect(!Fixtures.issues(json).joined().contains("sk-live-secret"))
    }

    @Test(arguments: [
        ("http://127.0.0.1:9100", true), ("http://localhost:11434", true), ("http://[::1]:8000", true),
        ("http://127.1.2.3", true), ("https://api.openai.com", false), ("http://10.0.0.5:8000", false),
        ("http://127.0.0.1.evil.com", false), ("http://localhost.evil.com", false),
    ])
    func loopbackDetection(url: String, loopback: Bool) {
        #expect(ProviderConfig.isLoopback(baseURL: url) == loopback)
    }

    @Test func severalEndpointsAndKeysPerProvider() throws {
        let config = try GatewayConfig.parse(
            Self.config(
                providers: #"""
                    [{"name": "openai", "type": "openai",
                      "endpoints": [{"base_url": "https://eu.example.com/", "region": "eu"}, {"base_url": "https://us.example.com", "region": "us"}],
                      "keys": [{"label": "team-a", "api_key_env": "KEY_A"}, {"api_key_env": "KEY_B"}]}]
                    """#,
                deployments: #"[{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "region": "eu", "price": {"input_per_million": 1, "output_per_million": 1}}]"#,
                routes: "[]"))
        let provider = try #require(config.provider(named: "openai"))
        #expect(provider.endpoints.map(\.baseURL) == ["https://eu.example.com", "https://us.example.com"])
        #expect(provider.keys.map(\.label) == ["team-a", "KEY_B"])
        #expect(provider.keys[0].resolve(environment: ["KEY_A": "secret"]) == "secret")
        #expect(provider.keys[1].resolve(environment: [:]) == nil)
        #expect(config.deployment(named: "gpt-4o")?.region == "eu")
    }

    @Test func loopbackProvidersMayHaveLiteralKeysOrNone() throws {
        let config = try GatewayConfig.parse(
            Self.config(
                providers: #"""
                    [{"name": "openai", "type": "openai", "base_url": "http://127.0.0.1:9100", "api_key": "mock"},
                     {"name": "ollama", "type": "openai-compatible", "base_url": "http://localhost:11434"}]
                    """#))
        #expect(config.provider(named: "openai")?.keys.first?.resolve(environment: [:]) == "mock")
        #expect(config.provider(named: "ollama")?.keys.isEmpty == true)
    }

    @Test func cacheTTLPerRoute() throws {
        let config = try GatewayConfig.parse(
            Self.config(
                routes: #"""
                    [{"name": "a", "strategy": "priority", "targets": ["gpt-4o"], "cache": {"ttl_s": 60}},
                     {"name": "b", "strategy": "priority", "targets": ["gpt-4o"], "cache": {"disabled": true}},
                     {"name": "c", "strategy": "priority", "targets": ["gpt-4o"]}]
                    """#, extra: #", "cache": {"ttl_s": 120}"#))
        #expect(config.routes.map { config.cacheTTLSeconds(route: $0) } == [60, nil, 120])
    }

    @Test func configRoundTripsThroughCodableWithLiteralKeysRedacted() throws {
        let data = try JSONEncoder().encode(Fixtures.example)
        var expected = Fixtures.example
        for provider in expected.providers.indices {
            for key in expected.providers[provider].keys.indices {
                if case .literal = expected.providers[provider].keys[key].source {
                    expected.providers[provider].keys[key].source = .literal(ConfigRedaction.placeholder)
                }
            }
        }
        #expect(try JSONDecoder().decode(GatewayConfig.self, from: data) == expected)
    }
}
