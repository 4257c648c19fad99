/// OpenAI chat completions, and the providers that speak the same dialect: Mistral, DeepSeek and
/// OpenAI-compatible servers (vLLM, Ollama, LM Studio). Differences are handled per `format`:
/// Mistral rejects unknown members and calls the seed `random_seed`; DeepSeek reports cache hits as
/// `usage.prompt_cache_hit_tokens`.
public struct OpenAIAdapter: ProviderAdapter {
    public let format: WireFormat

    public init(format: WireFormat = .openai) {
        precondition([.openai, .mistral, .deepseek, .openaiCompatible].contains(format), "not an OpenAI dialect: \(format)")
        self.format = format
    }

    public func makeRequest(_ request: ChatRequest, model: String, endpoint: ProviderEndpoint) throws(ProviderError) -> UpstreamRequest {
        let auth = endpoint.key.map { ("Authorization", "Bearer \($0.reveal())") }
        return UpstreamRequest(
            method: "POST", url: endpoint.baseURL + "/chat/completions",
            headers: AdapterSupport.jsonHeaders(endpoint, auth: auth),
            body: Self.body(request, model: model, format: format).serialized())
    }

    /// The request body in the OpenAI shape for `format`; the Azure adapter reuses it.
    static func body(_ request: ChatRequest, model: String?, format: WireFormat) -> JSONValue {
        var r = request
        // The gateway answers whole completions; streaming is not proxied through the queue.
        r.stream = nil
        r.extra["stream_options"] = nil
        switch format {
        case .mistral:
            // Mistral answers 422 to members it does not know.
            r.extra = [:]
            r.user = nil
            r.logitBias = nil
            if let limit = r.maxCompletionTokens {
                r.maxTokens = limit
                r.maxCompletionTokens = nil
            }
            let seed = r.seed
            r.seed = nil
            var json = r.json.objectValue ?? [:]
            if let seed { json["random_seed"] = .int(seed) }
            if let model { json["model"] = .string(model) } else { json["model"] = nil }
            return .object(json)
        case .deepseek:
            if let limit = r.maxCompletionTokens {
                r.maxTokens = limit
                r.maxCompletionTokens = nil
            }
        default:
            break
        }
        var json = r.json.objectValue ?? [:]
        if let model { json["model"] = .string(model) } else { json["model"] = nil }
        return .object(json)
    }

    public func parseResponse(status: Int, headers: UpstreamHeaders, body: [UInt8], model: String) throws(ProviderError) -> ChatCompletion {
        try Self.completion(status: status, headers: headers, body: body, model: model)
    }

    static func completion(status: Int, headers: UpstreamHeaders, body: [UInt8], model: String) throws(ProviderError) -> ChatCompletion {
        let json = try AdapterSupport.successBody(status: status, headers: headers, body: body)
        var completion: ChatCompletion
        do {
            completion = try ChatCompletion(json: json)
        } catch {
            throw AdapterSupport.malformed(status, error.description)
        }
        if completion.choices.isEmpty {
            // A completion without choices has nothing to give the client; treat it as a bad answer.
            throw AdapterSupport.malformed(status, "no choices")
        }
        if completion.model.isEmpty { completion.model = model }
        if completion.created == 0 { completion.created = AdapterSupport.now() }
        completion.object = "chat.completion"
        return completion
    }
}
