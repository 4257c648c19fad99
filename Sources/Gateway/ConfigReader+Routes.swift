import Providers
/// Routes, the complexity table, resilience and cache defaults.
extension ConfigReader {
    func readRoutes(_ root: [String: JSONValue], deployments: [DeploymentConfig]) -> [RouteConfig] {
        guard let items = array(root, "routes", at: "", required: false) else { return [] }
        var routes: [RouteConfig] = []
        for (index, item) in items.enumerated() {
            let path = Self.join("routes", index)
            guard let route = readRoute(item, at: path, deployments: deployments) else { continue }
            if routes.contains(where: { $0.name == route.name }) {
                report(Self.join(path, "name"), "duplicate route name \"\(route.name)\"")
                continue
            }
            routes.append(route)
        }
        return routes
    }

    /// Classifier routes can name routes defined later, so they are checked once all are read.
    func checkClassifierRoutes(_ routes: [RouteConfig], deploymentNames: Set<String>) {
        for (index, route) in routes.enumerated() {
            guard let target = route.classifier?.route else { continue }
            let path = "routes[\(index)].complexity.classifier.route"
            if target == route.name {
                report(path, "a route cannot classify its own prompts")
            } else if !routes.contains(where: { $0.name == target }) && !deploymentNames.contains(target)
                && !declaredDeployments.contains(target)
            {
                report(path, "unknown route or deployment \"\(target)\"")
            }
        }
    }

    private func readRoute(_ value: JSONValue, at path: String, deployments: [DeploymentConfig]) -> RouteConfig? {
        guard
            let members = object(
                value, at: path,
                allowed: [
                    "name", "strategy", "targets", "fallbacks", "failover_on", "cache", "complexity", "retries",
                    "attempt_timeout_ms",
                ])
        else { return nil }
        let name = string(members, "name", at: path, required: true)
        let strategy = enumeration(members, "strategy", at: path, required: true, as: RoutingStrategy.self)

        func known(_ deploymentName: String, at path: String) -> DeploymentConfig? {
            if let deployment = deployments.first(where: { $0.name == deploymentName }) { return deployment }
            if !declaredDeployments.contains(deploymentName) { report(path, "unknown deployment \"\(deploymentName)\"") }
            return nil
        }

        var targets: [RouteTarget] = []
        let targetItems = array(members, "targets", at: path, required: strategy != .complexity) ?? []
        if targetItems.isEmpty, members["targets"] != nil, strategy != .complexity {
            report(Self.join(path, "targets"), "expected at least one target")
        }
        for (index, item) in targetItems.enumerated() {
            let itemPath = Self.join(Self.join(path, "targets"), index)
            var deploymentName: String?
            var weight: Double?
            var priority: Int?
            switch item {
            case .string(let s):
                deploymentName = s
            case .object:
                guard let fields = object(item, at: itemPath, allowed: ["deployment", "weight", "priority"]) else { continue }
                deploymentName = string(fields, "deployment", at: itemPath, required: true)
                weight = double(fields, "weight", at: itemPath, range: 0...1e9, rangeText: "≥ 0")
                priority = int(fields, "priority", at: itemPath)
            default:
                report(itemPath, "expected a deployment name or {deployment, weight, priority}, found \(item.kindDescription)")
                continue
            }
            let namePath = item.stringValue == nil ? Self.join(itemPath, "deployment") : itemPath
            guard let deploymentName, let deployment = known(deploymentName, at: namePath) else { continue }
            if targets.contains(where: { $0.deployment == deploymentName }) {
                report(namePath, "deployment \"\(deploymentName)\" is already a target of this route")
                continue
            }
            targets.append(
                RouteTarget(
                    deployment: deploymentName, weight: weight ?? deployment.weight,
                    priority: priority ?? deployment.priority))
        }
        if strategy == .weighted, !targets.isEmpty, targets.allSatisfy({ $0.weight == 0 }) {
            report(Self.join(path, "targets"), "weighted route needs at least one target with weight > 0")
        }

        var fallbacks: [String] = []
        for (index, item) in (array(members, "fallbacks", at: path) ?? []).enumerated() {
            let itemPath = Self.join(Self.join(path, "fallbacks"), index)
            guard case .string(let deploymentName) = item else {
                report(itemPath, "expected a deployment name, found \(item.kindDescription)")
                continue
            }
            guard known(deploymentName, at: itemPath) != nil else { continue }
            if targets.contains(where: { $0.deployment == deploymentName }) || fallbacks.contains(deploymentName) {
                report(itemPath, "deployment \"\(deploymentName)\" is already listed in this route")
                continue
            }
            fallbacks.append(deploymentName)
        }

        let failover = readFailover(members, at: path) ?? .default
        let cache = readRouteCache(members, at: path)

        var complexity: ComplexityTable?
        var classifier: ClassifierSettings?
        if strategy == .complexity {
            (complexity, classifier) = readComplexity(members, at: path, deployments: deployments)
        } else if members["complexity"] != nil {
            report(Self.join(path, "complexity"), "only routes with strategy \"complexity\" take a complexity table")
        }

        let retries = int(members, "retries", at: path, minimum: 0)
        let attemptTimeoutMs = int(members, "attempt_timeout_ms", at: path, minimum: 1)

        guard let name, let strategy else { return nil }
        return RouteConfig(
            name: name, strategy: strategy, targets: targets, fallbacks: fallbacks, failover: failover, cache: cache,
            complexity: complexity, classifier: classifier, retries: retries, attemptTimeoutMs: attemptTimeoutMs)
    }

    private func readFailover(_ members: [String: JSONValue], at path: String) -> FailoverPolicy? {
        guard let items = array(members, "failover_on", at: path) else { return nil }
        var policy = FailoverPolicy(criteria: [], statuses: [])
        let expected = FailoverPolicy.Criterion.allCases.map(\.rawValue).joined(separator: ", ")
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(Self.join(path, "failover_on"), index)
            if case .string(let text) = item, let criterion = FailoverPolicy.Criterion(rawValue: text) {
                policy.criteria.insert(criterion)
            } else if case .string(let text) = item, let status = Int(text), (400...599).contains(status) {
                policy.statuses.insert(status)
            } else {
                report(itemPath, "expected one of \(expected) or an HTTP status 400-599, found \(item.canonicalText)")
            }
        }
        return policy
    }

    private func readRouteCache(_ members: [String: JSONValue], at path: String) -> RouteCacheSettings {
        guard let value = members["cache"] else { return RouteCacheSettings() }
        let cachePath = Self.join(path, "cache")
        guard let fields = object(value, at: cachePath, allowed: ["ttl_s", "disabled"]) else { return RouteCacheSettings() }
        return RouteCacheSettings(
            ttlSeconds: int(fields, "ttl_s", at: cachePath, minimum: 0),
            disabled: bool(fields, "disabled", at: cachePath) ?? false)
    }

    private func readComplexity(_ members: [String: JSONValue], at path: String, deployments: [DeploymentConfig])
        -> (ComplexityTable?, ClassifierSettings?)
    {
        let complexityPath = Self.join(path, "complexity")
        let names = Set(deployments.map(\.name)).union(declaredDeployments)
        guard let value = members["complexity"] else {
            let table = ComplexityTable.seed()
            let missing = table.deployments.subtracting(names).sorted()
            if !missing.isEmpty {
                report(
                    complexityPath,
                    "required, but missing; the default (seed) table needs deployments \(missing.map { "\"\($0)\"" }.joined(separator: ", "))")
                return (nil, nil)
            }
            return (table, ClassifierSettings())
        }
        guard let fields = object(value, at: complexityPath, allowed: ["table", "classifier"]) else { return (nil, nil) }

        var table: ComplexityTable? = ComplexityTable.seed()
        if let tableValue = fields["table"] {
            table = readComplexityTable(tableValue, at: Self.join(complexityPath, "table"), names: names)
        } else {
            let missing = table!.deployments.subtracting(names).sorted()
            if !missing.isEmpty {
                report(Self.join(complexityPath, "table"), "required, but missing; the default (seed) table needs deployments \(missing.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        }

        var classifier = ClassifierSettings()
        if let classifierValue = fields["classifier"] {
            let classifierPath = Self.join(complexityPath, "classifier")
            if let settings = object(classifierValue, at: classifierPath, allowed: ["mode", "route", "timeout_ms"]) {
                classifier.mode = enumeration(settings, "mode", at: classifierPath, as: Classification.Mode.self) ?? .ruleBased
                classifier.route = string(settings, "route", at: classifierPath)
                if let timeout = int(settings, "timeout_ms", at: classifierPath, minimum: 1) {
                    if timeout > 600_000 {
                        report(Self.join(classifierPath, "timeout_ms"), "expected at most 600000 (ms), found \(timeout)")
                    } else {
                        classifier.timeoutMs = timeout
                    }
                }
                if classifier.mode == .llm, classifier.route == nil {
                    report(Self.join(classifierPath, "route"), "required for mode \"llm\": the route that classifies")
                }
            }
        }
        return (table, classifier)
    }

    private func readComplexityTable(_ value: JSONValue, at path: String, names: Set<String>) -> ComplexityTable? {
        guard let tiers = object(value, at: path, allowed: ComplexityTier.allCases.map(\.rawValue)) else { return nil }
        let taskKeys = TaskType.allCases.map(\.rawValue) + [ComplexityTable.defaultKey]
        var entries: [ComplexityTier: [String: String]] = [:]
        var valid = true
        for tier in ComplexityTier.allCases {
            let tierPath = Self.join(path, tier.rawValue)
            guard let rowValue = tiers[tier.rawValue] else {
                report(tierPath, "required, but missing; map task types (or \"default\") to deployments")
                valid = false
                continue
            }
            guard let row = object(rowValue, at: tierPath, allowed: taskKeys) else {
                valid = false
                continue
            }
            var mapped: [String: String] = [:]
            for (task, target) in row where taskKeys.contains(task) {
                guard case .string(let deploymentName) = target else {
                    report(Self.join(tierPath, task), "expected a deployment name, found \(target.kindDescription)")
                    valid = false
                    continue
                }
                guard names.contains(deploymentName) else {
                    report(Self.join(tierPath, task), "unknown deployment \"\(deploymentName)\"")
                    valid = false
                    continue
                }
                mapped[task] = deploymentName
            }
            if mapped[ComplexityTable.defaultKey] == nil {
                let uncovered = TaskType.allCases.map(\.rawValue).filter { mapped[$0] == nil && row[$0] == nil }
                if !uncovered.isEmpty {
                    report(tierPath, "no deployment for \(uncovered.joined(separator: ", ")); add them or a \"default\"")
                    valid = false
                }
            }
            entries[tier] = mapped
        }
        return valid ? ComplexityTable(entries: entries) : nil
    }

    func readResilience(_ value: JSONValue, at path: String) -> ResilienceConfig? {
        guard
            let fields = object(
                value, at: path,
                allowed: [
                    "breaker", "retries", "backoff_base_ms", "backoff_max_ms", "attempt_timeout_ms",
                    "default_cooldown_ms", "latency_ewma_alpha",
                ])
        else { return nil }
        var config = ResilienceConfig()
        if let breakerValue = fields["breaker"] {
            config.breaker = readBreakerPolicy(breakerValue, at: Self.join(path, "breaker")) ?? config.breaker
        }
        config.retries = int(fields, "retries", at: path, minimum: 0) ?? config.retries
        config.backoffBaseMs = int(fields, "backoff_base_ms", at: path, minimum: 1) ?? config.backoffBaseMs
        config.backoffMaxMs = int(fields, "backoff_max_ms", at: path, minimum: 1) ?? config.backoffMaxMs
        if config.backoffMaxMs < config.backoffBaseMs {
            report(Self.join(path, "backoff_max_ms"), "expected ≥ backoff_base_ms (\(config.backoffBaseMs))")
        }
        config.attemptTimeoutMs = int(fields, "attempt_timeout_ms", at: path, minimum: 1) ?? config.attemptTimeoutMs
        config.defaultCooldownMs = int(fields, "default_cooldown_ms", at: path, minimum: 0) ?? config.defaultCooldownMs
        config.latencyEWMAAlpha =
            double(fields, "latency_ewma_alpha", at: path, range: 0.000_001...1, rangeText: "in (0, 1]")
            ?? config.latencyEWMAAlpha
        return config
    }

    private func readBreakerPolicy(_ value: JSONValue, at path: String) -> CircuitBreakerPolicy? {
        guard
            let fields = object(
                value, at: path,
                allowed: [
                    "consecutive_failures", "failure_ratio", "minimum_requests", "window_ms", "reset_timeout_ms",
                    "probe_timeout_ms",
                ])
        else { return nil }
        var policy = CircuitBreakerPolicy()
        policy.consecutiveFailures = int(fields, "consecutive_failures", at: path, minimum: 1) ?? policy.consecutiveFailures
        policy.failureRatio =
            double(fields, "failure_ratio", at: path, range: 0.000_001...1, rangeText: "in (0, 1]") ?? policy.failureRatio
        policy.minimumRequests = int(fields, "minimum_requests", at: path, minimum: 1) ?? policy.minimumRequests
        policy.windowMs = int(fields, "window_ms", at: path, minimum: 1) ?? policy.windowMs
        policy.resetTimeoutMs = int(fields, "reset_timeout_ms", at: path, minimum: 1) ?? policy.resetTimeoutMs
        policy.probeTimeoutMs = int(fields, "probe_timeout_ms", at: path, minimum: 1) ?? policy.probeTimeoutMs
        return policy
    }

    func readCacheDefaults(_ value: JSONValue, at path: String) -> CacheDefaults? {
        guard let fields = object(value, at: path, allowed: ["enabled", "ttl_s", "max_entries"]) else { return nil }
        var cache = CacheDefaults()
        cache.enabled = bool(fields, "enabled", at: path) ?? cache.enabled
        cache.ttlSeconds = int(fields, "ttl_s", at: path, minimum: 0) ?? cache.ttlSeconds
        cache.maxEntries = int(fields, "max_entries", at: path, minimum: 1) ?? cache.maxEntries
        return cache
    }
}
