/// Azure OpenAI: OpenAI bodies sent to a deployment URL,
/// `{base}/openai/deployments/{deployment}/chat/completions?api-version=...`, with an `api-key` header.
/// The deployment fixes the model, so the body carries none; the answer names the model that ran.
public struct AzureAdapter: ProviderAdapter {
    public var format: WireFormat { .azure }

    public init() {}

    public func makeRequest(_ request: ChatRequest, model: String, endpoint: ProviderEndpoint) throws(ProviderError) -> UpstreamRequest {
        let deployment = AdapterSupport.pathSegment(endpoint.deployment ?? model)
        let version = endpoint.apiVersion ?? ProviderEndpoint.defaultAzureAPIVersion
        let url = "\(endpoint.baseURL)/openai/deployments/\(deployment)/chat/completions?api-version=\(AdapterSupport.pathSegment(version))"
        let auth = endpoint.key.map { ("api-key", $0.reveal()) }
        return UpstreamRequest(
            method: "POST", url: url, headers: AdapterSupport.jsonHeaders(endpoint, auth: auth),
            body: OpenAIAdapter.body(request, model: nil, format: .azure).serialized())
    }

    public func parseResponse(status: Int, headers: UpstreamHeaders, body: [UInt8], model: String) throws(ProviderError) -> ChatCompletion {
        try OpenAIAdapter.completion(status: status, headers: headers, body: body, model: model)
    }
}
