/// Translates the canonical request into one provider's HTTP request, and its HTTP response back.
///
/// Adapters are pure: no I/O, no clock except `created` timestamps, so they are tested with fixtures.
public protocol ProviderAdapter: Sendable {
    var format: WireFormat { get }

    /// Builds the HTTP request for `request` sent to `model` (the provider's model or deployment name,
    /// after routing) at `endpoint`.
    /// - Throws: `.badRequest` when the request asks for something this format cannot express.
    func makeRequest(_ request: ChatRequest, model: String, endpoint: ProviderEndpoint) throws(ProviderError) -> UpstreamRequest

    /// Turns a response into a completion, or a classified error.
    /// - Parameter model: the model the request was sent to; used when the body does not name one.
    func parseResponse(status: Int, headers: UpstreamHeaders, body: [UInt8], model: String) throws(ProviderError) -> ChatCompletion
}

extension ProviderAdapter {
    public func parseResponse(_ response: UpstreamResponse, model: String) throws(ProviderError) -> ChatCompletion {
        try parseResponse(status: response.status, headers: response.headers, body: response.body, model: model)
    }
}
