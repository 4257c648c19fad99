import Testing

import Gateway

@Suite("Upstream target: endpoint, key and model per attempt")
struct UpstreamTargetTests {
    static let config: GatewayConfig = {
        let json = GatewayConfigTests.config(
            providers: #"""
                [{"name": "openai", "type": "openai",
                  "endpoints": [{"base_url": "https://eu.example.com", "region": "eu"}, {"base_url": "https://us.example.com", "region": "us"}],
                  "keys": [{"label": "a", "api_key_env": "KEY_A"}, {"label": "b", "api_key_env": "KEY_B"}, {"label": "c", "api_key_env": "KEY_C"}]},
                 {"name": "azure", "type": "azure", "base_url": "https://r.openai.azure.com", "api_version": "2024-10-21", "api_key_env": "AZ"},
                 {"name": "local", "type": "openai-compatible", "base_url": "http://localhost:11434"}]
                """#,
            deployments: #"""
                [{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o", "price": {"input_per_million": 1, "output_per_million": 1}},
                 {"name": "gpt-4o-eu", "provider": "openai", "model": "gpt-4o", "region": "eu", "price": {"input_per_million": 1, "output_per_million": 1}},
                 {"name": "az-mini", "provider": "azure", "model": "gpt-4o-mini", "azure_deployment": "mini-prod", "price": {"input_per_million": 1, "output_per_million": 1}},
                 {"name": "llama", "provider": "local", "model": "llama3", "price": {"input_per_million": 0, "output_per_million": 0}}]
                """#,
            routes: "[]")
        return try! GatewayConfig.parse(json)
    }()

    @Test func keysAndEndpointsRotate() throws {
        let picks = try (0..<6).map { try #require(UpstreamTarget(config: Self.config, deployment: "gpt-4o", rotation: $0)) }
        #expect(picks.map { $0.key?.label } == ["a", "b", "c", "a", "b", "c"])
        #expect(picks.map(\.endpoint.region) == ["eu", "us", "eu", "us", "eu", "us"])
        #expect(UpstreamTarget(config: Self.config, deployment: "gpt-4o", rotation: -1) != nil)
    }

    @Test func aPinnedRegionAlwaysWins() {
        for rotation in 0..<4 {
            #expect(UpstreamTarget(config: Self.config, deployment: "gpt-4o-eu", rotation: rotation)?.endpoint.region == "eu")
        }
    }

    @Test func azureSendsItsDeploymentIdAndLocalServersNeedNoKey() {
        let azure = UpstreamTarget(config: Self.config, deployment: "az-mini")
        #expect(azure?.upstreamModel == "mini-prod")
        #expect(azure?.provider.apiVersion == "2024-10-21")
        let local = UpstreamTarget(config: Self.config, deployment: "llama")
        #expect(local?.key == nil && local?.upstreamModel == "llama3")
        #expect(UpstreamTarget(config: Self.config, deployment: "nope") == nil)
    }

    @Test func jobCacheOptionsOverrideTheRoute() {
        let config = Fixtures.example
        let chat = config.route(named: "chat")!
        #expect(config.cacheTTLSeconds(route: chat) == 3600)
        #expect(config.cacheTTLSeconds(route: chat, jobOption: ["ttl_s": 60]) == 60)
        #expect(config.cacheTTLSeconds(route: chat, jobOption: ["no_cache": true]) == nil)
        #expect(config.cacheTTLSeconds(route: chat, jobOption: ["ttl_s": 0]) == nil)
        var off = chat
        off.cache.disabled = true
        #expect(config.cacheTTLSeconds(route: off, jobOption: ["ttl_s": 60]) == nil)
    }
}
