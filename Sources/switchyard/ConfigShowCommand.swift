import Foundation
import Gateway
import Postgres

enum ConfigShowCommand: Command {
    static let spec = CommandSpec(
        name: "config show", summary: "Print the gateway config in force (literal keys shown as \"***\")",
        options: [.databaseURL, .json])

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        guard let version = try await GatewayConfigStore(client: client).latest() else {
            throw CommandFailure("no config applied yet; run 'switchyard config apply FILE'")
        }
        if arguments.flag("--json") {
            print(version.redactedDocument)
            return 0
        }
        let config = version.config
        var lines = ["version:   \(version.id)", "sha256:    \(version.sha256)"]
        if let at = version.appliedAt { lines.append("applied:   \(ISO8601DateFormatter().string(from: at))") }
        lines.append("baseline:  \(config.baselineModel)")
        lines.append("cache:     \(config.cache.enabled ? "on" : "off") ttl=\(config.cache.ttlSeconds)s max_entries=\(config.cache.maxEntries)")
        lines.append("providers:")
        for provider in config.providers {
            let urls = provider.endpoints.map(\.baseURL).joined(separator: ", ")
            lines.append("  \(provider.name) (\(provider.type.rawValue)) \(urls) keys=\(provider.keys.map(\.label).joined(separator: ","))")
        }
        lines.append("deployments:")
        for deployment in config.deployments {
            lines.append("  \(deployment.name): \(deployment.provider)/\(deployment.model) in=$\(deployment.price.inputPerMillion)/M out=$\(deployment.price.outputPerMillion)/M")
        }
        lines.append("routes:")
        for route in config.routes {
            let targets = route.targets.map { "\($0.deployment)" }.joined(separator: ", ")
            let fallbacks = route.fallbacks.isEmpty ? "" : " fallbacks: " + route.fallbacks.joined(separator: ", ")
            lines.append("  \(route.name) [\(route.strategy.rawValue)] \(targets)\(fallbacks)")
        }
        print(lines.joined(separator: "\n"))
        return 0
    }
}
