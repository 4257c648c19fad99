/// Where and how to reach one provider deployment: what an adapter needs to build a request.
public struct ProviderEndpoint: Sendable, Hashable {
    public var format: WireFormat
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1`, `https://res.openai.azure.com`,
    /// `https://api.anthropic.com`, `https://generativelanguage.googleapis.com`, `http://127.0.0.1:9100/v1`.
    public var baseURL: String
    public var key: ProviderKey?
    /// Azure `api-version` query parameter; for Anthropic, overrides the `anthropic-version` header.
    public var apiVersion: String?
    /// Azure deployment name; when nil the target model name is used as the deployment.
    public var deployment: String?
    /// Anthropic requires `max_tokens`; used when the request sets neither limit.
    public var defaultMaxTokens: Int
    /// Extra headers sent on every request (e.g. `OpenAI-Organization`, `anthropic-beta`).
    public var extraHeaders: [String: String]

    public init(
        format: WireFormat, baseURL: String? = nil, key: ProviderKey? = nil, apiVersion: String? = nil,
        deployment: String? = nil, defaultMaxTokens: Int = 4096, extraHeaders: [String: String] = [:]
    ) {
        self.format = format
        var base = baseURL ?? format.defaultBaseURL ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.key = key
        self.apiVersion = apiVersion
        self.deployment = deployment
        self.defaultMaxTokens = defaultMaxTokens
        self.extraHeaders = extraHeaders
    }

    /// Azure's default `api-version` when the config names none.
    public static let defaultAzureAPIVersion = "2024-10-21"
    public static let defaultAnthropicVersion = "2023-06-01"
}
