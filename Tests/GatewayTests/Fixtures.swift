import Foundation

import Gateway

/// Shared inputs: the shipped example configs and a fixed clock.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func examplePath(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("examples").appendingPathComponent(name).path
    }

    /// examples/switchyard.json, parsed once.
    static let example: GatewayConfig = {
        do {
            return try GatewayConfig.load(path: examplePath("switchyard.json"))
        } catch {
            fatalError("examples/switchyard.json does not validate:\n\(error)")
        }
    }()

    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func request(_ prompt: String, maxTokens: Int? = nil) -> RoutingRequest {
        RoutingRequest(prompt: prompt, maxTokens: maxTokens)
    }

    /// The issues of a config that must not validate.
    static func issues(_ json: String) -> [String] {
        do {
            _ = try GatewayConfig.parse(json)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }
}
