/// Everything a provider call needs from config for one deployment: the wire format, the endpoint,
/// the key and the model id. Resolved per attempt so that keys and endpoints rotate.
///
/// Maps one for one onto the Providers module's `ProviderEndpoint(format:baseURL:key:apiVersion:deployment:)`
/// (`provider.type` is the format, `key.resolve()` ↔ `ProviderKey(secret, label:)`,
/// `deployment.azureDeployment` ↔ `deployment`).
public struct UpstreamTarget: Sendable, Hashable {
    public var deployment: DeploymentConfig
    public var provider: ProviderConfig
    public var endpoint: ProviderConfig.Endpoint
    /// nil for key-less local servers.
    public var key: ProviderConfig.Key?

    /// The model id to send; for Azure, the deployment id that goes in the URL.
    public var upstreamModel: String {
        provider.type == .azure ? (deployment.azureDeployment ?? deployment.model) : deployment.model
    }

    /// Picks the endpoint (the deployment's pinned region, else by rotation) and the key (by rotation).
    /// - Parameter rotation: any counter that changes between calls (job id, attempt number), so
    ///   several keys and regions share the load.
    public init?(config: GatewayConfig, deployment name: String, rotation: Int = 0) {
        guard let deployment = config.deployment(named: name), let provider = config.provider(named: deployment.provider),
            !provider.endpoints.isEmpty
        else { return nil }
        let turn = rotation.magnitude
        if let region = deployment.region, let pinned = provider.endpoints.first(where: { $0.region == region }) {
            endpoint = pinned
        } else {
            endpoint = provider.endpoints[Int(turn % UInt(provider.endpoints.count))]
        }
        key = provider.keys.isEmpty ? nil : provider.keys[Int(turn % UInt(provider.keys.count))]
        self.deployment = deployment
        self.provider = provider
    }
}
