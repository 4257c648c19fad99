import Foundation
import Providers

/// The whole gateway configuration: providers, deployments, routes and defaults, read from one
/// JSON file (`examples/switchyard.json`) and validated as a unit by ``parse(_:)``.
///
/// Input always goes through ``parse(_:)`` / ``load(path:)``; the `Codable` conformance is for
/// storing and reloading a config that has already been validated (it checks nothing).
public struct GatewayConfig: Sendable, Hashable, Codable {
    public var version: Int
    public var providers: [ProviderConfig]
    public var deployments: [DeploymentConfig]
    public var routes: [RouteConfig]
    public var resilience: ResilienceConfig
    public var cache: CacheDefaults
    /// The deployment whose price every call is compared with for savings (default `gpt-4o`).
    public var baselineModel: String

    public init(
        version: Int = 1, providers: [ProviderConfig], deployments: [DeploymentConfig], routes: [RouteConfig],
        resilience: ResilienceConfig = ResilienceConfig(), cache: CacheDefaults = CacheDefaults(),
        baselineModel: String = "gpt-4o"
    ) {
        self.version = version
        self.providers = providers
        self.deployments = deployments
        self.routes = routes
        self.resilience = resilience
        self.cache = cache
        self.baselineModel = baselineModel
    }

    enum CodingKeys: String, CodingKey {
        case version, providers, deployments, routes, resilience, cache
        case baselineModel = "baseline_model"
    }

    /// Reads and validates a config file.
    /// - Throws: ``GatewayConfigError`` listing every problem with its JSON path.
    public static func load(path: String) throws(GatewayConfigError) -> GatewayConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GatewayConfigError(issues: [.init(path: "(root)", message: "cannot read file \(path)")])
        }
        return try parse(Array(data))
    }

    /// Parses and validates config JSON text.
    /// - Throws: ``GatewayConfigError`` listing every problem with its JSON path.
    public static func parse(_ bytes: some Collection<UInt8>) throws(GatewayConfigError) -> GatewayConfig {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            let line = 1 + bytes.prefix(error.offset).lazy.filter { $0 == UInt8(ascii: "\n") }.count
            throw GatewayConfigError(issues: [
                .init(path: "(root)", message: "invalid JSON at line \(line) (byte \(error.offset)): \(error.message)")
            ])
        }
        return try decode(document)
    }

    public static func parse(_ text: String) throws(GatewayConfigError) -> GatewayConfig {
        try parse(Array(text.utf8))
    }

    /// Validates an already parsed document.
    public static func decode(_ document: JSONValue) throws(GatewayConfigError) -> GatewayConfig {
        let reader = ConfigReader()
        let config = reader.readConfig(document)
        if let config, reader.issues.isEmpty { return config }
        throw GatewayConfigError(issues: reader.issues)
    }

    // MARK: Lookups

    public func provider(named name: String) -> ProviderConfig? {
        providers.first { $0.name == name }
    }

    public func deployment(named name: String) -> DeploymentConfig? {
        deployments.first { $0.name == name }
    }

    /// The route clients reach by `name`: a configured route, or else — so that every deployment
    /// can be asked for by its own name — a single-target `priority` route to the deployment so named.
    public func route(named name: String) -> RouteConfig? {
        if let route = routes.first(where: { $0.name == name }) { return route }
        guard let deployment = deployment(named: name) else { return nil }
        return RouteConfig(name: name, strategy: .priority, targets: [RouteTarget(deployment: deployment.name)])
    }

    /// Every name a client can ask for: configured routes, then deployments without a route of their own.
    public var publicModelNames: [String] {
        let routeNames = routes.map(\.name)
        return routeNames + deployments.map(\.name).filter { !routeNames.contains($0) }
    }

    /// The price calls are compared with for savings.
    public var baselinePrice: ModelPrice? {
        (deployment(named: baselineModel) ?? deployments.first { $0.model == baselineModel })?.price
    }

    /// The cache TTL in seconds for a job, or nil when it must neither read nor write the cache.
    ///
    /// The job's own `cache` option (`{"no_cache": true}` or `{"ttl_s": N}`) wins over the route's
    /// setting, which wins over the defaults; a TTL of 0 means no caching. A job cannot switch the
    /// cache on for a route that disables it.
    public func cacheTTLSeconds(route: RouteConfig, jobOption: JSONValue? = nil) -> Int? {
        guard cache.enabled, !route.cache.disabled else { return nil }
        if jobOption?["no_cache"]?.boolValue == true { return nil }
        let ttl = jobOption?["ttl_s"]?.intValue ?? route.cache.ttlSeconds ?? cache.ttlSeconds
        return ttl > 0 ? ttl : nil
    }

    /// The routing candidates of a deployment name, for ``RoutePlanner``.
    public func candidate(for deploymentName: String, weight: Double? = nil, priority: Int? = nil) -> RoutingCandidate? {
        guard let deployment = deployment(named: deploymentName) else { return nil }
        return RoutingCandidate(
            deployment: deployment.name, provider: deployment.provider, model: deployment.model,
            weight: weight ?? deployment.weight, priority: priority ?? deployment.priority,
            price: deployment.price, contextWindow: deployment.contextWindow)
    }
}
