import Foundation
import Providers

/// The document root, providers and deployments. Routes and defaults: `ConfigReader+Routes.swift`.
extension ConfigReader {
    func readConfig(_ document: JSONValue) -> GatewayConfig? {
        guard
            let root = object(
                document, at: "",
                allowed: ["version", "providers", "deployments", "routes", "resilience", "cache", "baseline_model"])
        else { return nil }

        let version = int(root, "version", at: "", minimum: 1) ?? 1
        if version != 1 { report("version", "expected 1, found \(version)") }

        declaredProviders = Self.declaredNames(root, "providers")
        declaredDeployments = Self.declaredNames(root, "deployments")
        let providers = readProviders(root)
        let deployments = readDeployments(root, providers: providers)
        let deploymentNames = Set(deployments.map(\.name))
        let routes = readRoutes(root, deployments: deployments)
        checkClassifierRoutes(routes, deploymentNames: deploymentNames)

        let resilience = root["resilience"].flatMap { readResilience($0, at: "resilience") }
        let cache = root["cache"].flatMap { readCacheDefaults($0, at: "cache") }

        let baseline = string(root, "baseline_model", at: "") ?? "gpt-4o"
        if !deployments.isEmpty, !declaredDeployments.contains(baseline),
            !deployments.contains(where: { $0.model == baseline })
        {
            report(
                "baseline_model",
                "no deployment named or serving \"\(baseline)\"; name the deployment whose price savings are measured against")
        }

        return GatewayConfig(
            version: version, providers: providers, deployments: deployments, routes: routes,
            resilience: resilience ?? ResilienceConfig(), cache: cache ?? CacheDefaults(), baselineModel: baseline)
    }

    // MARK: Providers

    private func readProviders(_ root: [String: JSONValue]) -> [ProviderConfig] {
        guard let items = array(root, "providers", at: "", required: true) else { return [] }
        if items.isEmpty { report("providers", "expected at least one provider") }
        var providers: [ProviderConfig] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = Self.join("providers", index)
            guard let provider = readProvider(item, at: path) else { continue }
            if !seen.insert(provider.name).inserted {
                report(Self.join(path, "name"), "duplicate provider name \"\(provider.name)\"")
                continue
            }
            providers.append(provider)
        }
        return providers
    }

    private func readProvider(_ value: JSONValue, at path: String) -> ProviderConfig? {
        guard
            let members = object(
                value, at: path,
                allowed: ["name", "type", "base_url", "region", "endpoints", "api_key_env", "api_key", "keys", "api_version"])
        else { return nil }
        let name = string(members, "name", at: path, required: true)
        let type = enumeration(members, "type", at: path, required: true, as: WireFormat.self)

        var endpoints: [ProviderConfig.Endpoint] = []
        if members["base_url"] != nil, members["endpoints"] != nil {
            report(Self.join(path, "endpoints"), "give either base_url (one endpoint) or endpoints, not both")
        } else if let items = array(members, "endpoints", at: path) {
            if items.isEmpty { report(Self.join(path, "endpoints"), "expected at least one endpoint") }
            for (index, item) in items.enumerated() {
                let itemPath = Self.join(Self.join(path, "endpoints"), index)
                guard let fields = object(item, at: itemPath, allowed: ["base_url", "region"]) else { continue }
                if let url = readBaseURL(fields, at: itemPath) {
                    endpoints.append(.init(baseURL: url, region: string(fields, "region", at: itemPath)))
                }
            }
        } else if members["base_url"] != nil {
            if let url = readBaseURL(members, at: path) {
                endpoints.append(.init(baseURL: url, region: string(members, "region", at: path)))
            }
        } else if let defaultURL = type?.defaultBaseURL {
            endpoints.append(.init(baseURL: defaultURL, region: string(members, "region", at: path)))
        } else if let type {
            report(
                Self.join(path, "base_url"),
                "required for \(type.rawValue) providers, e.g. \(type == .azure ? "\"https://RESOURCE.openai.azure.com\"" : "\"http://localhost:11434/v1\"") (or give endpoints: [{base_url, region}])")
        }
        if members["endpoints"] != nil, members["region"] != nil {
            report(Self.join(path, "region"), "with endpoints, give each endpoint its own region")
        }
        let loopback = !endpoints.isEmpty && endpoints.allSatisfy { ProviderConfig.isLoopback(baseURL: $0.baseURL) }

        var keys: [ProviderConfig.Key] = []
        let singleKey = members["api_key_env"] != nil || members["api_key"] != nil
        if singleKey, members["keys"] != nil {
            report(Self.join(path, "keys"), "give either api_key_env / api_key (one key) or keys, not both")
        } else if singleKey {
            if let key = readKey(members, at: path, index: 0, loopback: loopback) { keys.append(key) }
        } else if let items = array(members, "keys", at: path) {
            if items.isEmpty, !loopback, type != .openaiCompatible {
                report(Self.join(path, "keys"), "expected at least one key ({label, api_key_env})")
            }
            for (index, item) in items.enumerated() {
                let itemPath = Self.join(Self.join(path, "keys"), index)
                guard let fields = object(item, at: itemPath, allowed: ["label", "api_key_env", "api_key"]) else { continue }
                if let key = readKey(fields, at: itemPath, index: index, loopback: loopback) {
                    if keys.contains(where: { $0.label == key.label }) {
                        report(Self.join(itemPath, "label"), "duplicate key label \"\(key.label)\"")
                    } else {
                        keys.append(key)
                    }
                }
            }
        }
        if keys.isEmpty, !singleKey, members["keys"] == nil, !loopback, type != .openaiCompatible, !endpoints.isEmpty {
            report(
                Self.join(path, "api_key_env"),
                "required, but missing: name the environment variable that holds the key (or give keys: [...])")
        }

        var apiVersion = string(members, "api_version", at: path)
        if type == .azure, apiVersion == nil, members["api_version"] == nil {
            report(Self.join(path, "api_version"), "required for azure providers, e.g. \"2024-10-21\"")
        } else if let type, type != .azure, apiVersion != nil {
            report(Self.join(path, "api_version"), "only azure providers take api_version")
            apiVersion = nil
        }

        guard let name, let type else { return nil }
        return ProviderConfig(name: name, type: type, endpoints: endpoints, keys: keys, apiVersion: apiVersion)
    }

    private func readBaseURL(_ members: [String: JSONValue], at path: String) -> String? {
        guard let text = string(members, "base_url", at: path, required: true) else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else {
            report(
                Self.join(path, "base_url"),
                "expected an http(s) URL with a host and no query, e.g. \"https://api.openai.com\", found \"\(text)\"")
            return nil
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    private func readKey(_ members: [String: JSONValue], at path: String, index: Int, loopback: Bool) -> ProviderConfig.Key? {
        if members["api_key_env"] != nil, members["api_key"] != nil {
            report(Self.join(path, "api_key"), "give either api_key_env or api_key, not both")
            return nil
        }
        if let variable = string(members, "api_key_env", at: path) {
            let valid =
                variable.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
                && !(variable.first?.isNumber ?? true)
            guard valid else {
                report(Self.join(path, "api_key_env"), "expected an environment variable name such as OPENAI_API_KEY")
                return nil
            }
            return .init(label: string(members, "label", at: path) ?? variable, source: .environment(variable))
        }
        guard members["api_key"] != nil else {
            report(Self.join(path, "api_key_env"), "required, but missing")
            return nil
        }
        // The value is never echoed in messages: it may be a real secret pasted by mistake.
        guard case .string(let literal) = members["api_key"]!, !literal.isEmpty else {
            report(Self.join(path, "api_key"), "expected a non-empty string")
            return nil
        }
        guard loopback else {
            report(
                Self.join(path, "api_key"),
                "a literal key is allowed only when every base_url is a loopback server (127.0.0.1, ::1, localhost); "
                    + "put the key in an environment variable and name it with api_key_env")
            return nil
        }
        return .init(label: string(members, "label", at: path) ?? "key\(index + 1)", source: .literal(literal))
    }

    // MARK: Deployments

    private func readDeployments(_ root: [String: JSONValue], providers: [ProviderConfig]) -> [DeploymentConfig] {
        guard let items = array(root, "deployments", at: "", required: true) else { return [] }
        if items.isEmpty { report("deployments", "expected at least one deployment") }
        var deployments: [DeploymentConfig] = []
        for (index, item) in items.enumerated() {
            let path = Self.join("deployments", index)
            guard let deployment = readDeployment(item, at: path, providers: providers) else { continue }
            if deployments.contains(where: { $0.name == deployment.name }) {
                report(Self.join(path, "name"), "duplicate deployment name \"\(deployment.name)\"")
                continue
            }
            deployments.append(deployment)
        }
        return deployments
    }

    private func readDeployment(_ value: JSONValue, at path: String, providers: [ProviderConfig]) -> DeploymentConfig? {
        guard
            let members = object(
                value, at: path,
                allowed: [
                    "name", "provider", "model", "azure_deployment", "region", "weight", "priority", "price", "rpm", "tpm",
                    "rate_window_s", "context_window",
                ])
        else { return nil }
        let name = string(members, "name", at: path, required: true)
        let providerName = string(members, "provider", at: path, required: true)
        let model = string(members, "model", at: path, required: true)
        let provider = providerName.flatMap { name in providers.first { $0.name == name } }
        if let providerName, provider == nil, !declaredProviders.contains(providerName) {
            let known = declaredProviders.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            report(Self.join(path, "provider"), "unknown provider \"\(providerName)\"; expected one of \(known)")
        }
        let azureDeployment = string(members, "azure_deployment", at: path)
        if azureDeployment != nil, let provider, provider.type != .azure {
            report(Self.join(path, "azure_deployment"), "only deployments of azure providers take azure_deployment")
        }
        let region = string(members, "region", at: path)
        if let region, let provider, !provider.endpoints.contains(where: { $0.region == region }) {
            let regions = provider.endpoints.compactMap(\.region).map { "\"\($0)\"" }.joined(separator: ", ")
            report(
                Self.join(path, "region"),
                "provider \"\(provider.name)\" has no endpoint in region \"\(region)\"; its regions: \(regions.isEmpty ? "none" : regions)")
        }
        let weight = double(members, "weight", at: path, range: 0...1e9, rangeText: "≥ 0") ?? 1
        let priority = int(members, "priority", at: path) ?? 0
        let price = readPrice(members, at: path)
        let rpm = int(members, "rpm", at: path, minimum: 1)
        let tpm = int(members, "tpm", at: path, minimum: 1)
        let rateWindow =
            double(members, "rate_window_s", at: path, range: 0.001...3_600, rangeText: "in (0, 3600] seconds")
            ?? RateBudget.defaultWindowSeconds
        let contextWindow = int(members, "context_window", at: path, minimum: 1)

        guard let name, let providerName, let model, let price else { return nil }
        return DeploymentConfig(
            name: name, provider: providerName, model: model, azureDeployment: azureDeployment, region: region,
            weight: weight, priority: priority, price: price, rpm: rpm, tpm: tpm,
            rateWindowSeconds: rateWindow, contextWindow: contextWindow)
    }

    private func readPrice(_ members: [String: JSONValue], at path: String) -> ModelPrice? {
        guard let value = member(members, "price", at: path, required: true) else { return nil }
        let pricePath = Self.join(path, "price")
        guard
            let fields = object(
                value, at: pricePath, allowed: ["input_per_million", "output_per_million", "cached_input_per_million"])
        else {
            return nil
        }
        let input = double(fields, "input_per_million", at: pricePath, required: true, range: 0...1e6, rangeText: "≥ 0 (USD)")
        let output = double(fields, "output_per_million", at: pricePath, required: true, range: 0...1e6, rangeText: "≥ 0 (USD)")
        let cached = double(fields, "cached_input_per_million", at: pricePath, range: 0...1e6, rangeText: "≥ 0 (USD)")
        guard let input, let output else { return nil }
        return ModelPrice(inputPerMillion: input, outputPerMillion: output, cachedInputPerMillion: cached)
    }
}
