@testable import Providers

/// Response bodies in the shapes the providers document (values shortened, structure kept).
enum Fixtures {
    // MARK: Success

    static let openAISuccess = #"""
        {"id":"chatcmpl-AB7Y3kq","object":"chat.completion","created":1727215200,"model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there!","refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                  "prompt_tokens_details":{"cached_tokens":6,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
         "system_fingerprint":"fp_0ba0d124f1"}
        """#

    static let openAIToolCall = #"""
        {"id":"chatcmpl-tool1","object":"chat.completion","created":1727215201,"model":"gpt-4o-2024-08-06",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,
            "tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
            "finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}
        """#

    static let azureSuccess = #"""
        {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"finish_reason":"length","index":0,
            "message":{"content":"Once upon a","role":"assistant"}}],
         "created":1727215300,"id":"chatcmpl-azure1","model":"gpt-4o-2024-08-06","object":"chat.completion",
         "prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}],
         "system_fingerprint":"fp_azure","usage":{"completion_tokens":3,"prompt_tokens":11,"total_tokens":14}}
        """#

    static let mistralSuccess = #"""
        {"id":"cmpl-e5cc70bb28c444948073e77776eb30ef","object":"chat.completion","model":"mistral-large-latest",
         "usage":{"prompt_tokens":16,"completion_tokens":34,"total_tokens":50},"created":1702256327,
         "choices":[{"index":0,"message":{"content":"Bonjour !","tool_calls":null,"prefix":false,"role":"assistant"},"finish_reason":"stop"}]}
        """#

    static let deepSeekSuccess = #"""
        {"id":"930c60df-bf64-41c9-a88e-3ec75f81e00e","object":"chat.completion","created":1705651092,"model":"deepseek-chat",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":16,"completion_tokens":10,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0},
                  "prompt_cache_hit_tokens":12,"prompt_cache_miss_tokens":4},
         "system_fingerprint":"fp_deepseek"}
        """#

    static let vllmSuccess = #"""
        {"id":"chatcmpl-vllm1","object":"chat.completion","created":1727215400,"model":"meta-llama/Llama-3.1-8B-Instruct",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hi.","tool_calls":[]},"logprobs":null,"finish_reason":"stop","stop_reason":null}],
         "usage":{"prompt_tokens":12,"total_tokens":15,"completion_tokens":3,"prompt_tokens_details":null}}
        """#

    static let anthropicSuccess = #"""
        {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-3-5-sonnet-20241022",
         "content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":12,"output_tokens":6,"cache_creation_input_tokens":0,"cache_read_input_tokens":20}}
        """#

    static let anthropicToolUse = #"""
        {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-3-5-sonnet-20241022",
         "content":[{"type":"text","text":"I'll check the weather."},
                    {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris"}}],
         "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":320,"output_tokens":48}}
        """#

    static let geminiSuccess = #"""
        {"candidates":[{"content":{"parts":[{"text":"Hello"},{"text":" world"}],"role":"model"},"finishReason":"STOP","index":0,
            "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}]}],
         "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"totalTokenCount":8,"cachedContentTokenCount":2},
         "modelVersion":"gemini-1.5-flash-002","responseId":"resp-gem-1"}
        """#

    static let geminiFunctionCall = #"""
        {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},
            "finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":7,"totalTokenCount":47},"modelVersion":"gemini-1.5-pro-002"}
        """#

    static let geminiMaxTokens = #"""
        {"candidates":[{"content":{"parts":[{"text":"Once upon"}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],
         "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"totalTokenCount":6,"thoughtsTokenCount":5},
         "modelVersion":"gemini-2.5-flash"}
        """#

    static let geminiPromptBlocked = #"""
        {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]},
         "usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-1.5-flash-002"}
        """#

    static let geminiCandidateBlocked = #"""
        {"candidates":[{"finishReason":"SAFETY","index":0,
            "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}],
         "usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-1.5-flash-002"}
        """#

    // MARK: Errors

    static let openAIRateLimit = #"""
        {"error":{"message":"Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29500, Requested 1200. Please try again in 1.4s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}
        """#
    static let openAIContextLength = #"""
        {"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}
        """#
    static let openAIInvalidKey = #"""
        {"error":{"message":"Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
        """#
    static let openAIModelNotFound = #"""
        {"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}
        """#
    static let openAIServerError = #"""
        {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}
        """#
    static let openAIOverloaded503 = #"""
        {"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}
        """#
    static let openAIBadParam = #"""
        {"error":{"message":"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.","type":"invalid_request_error","param":"temperature","code":"decimal_above_max_value"}}
        """#
    static let azureRateLimit = #"""
        {"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds."}}
        """#
    static let azureContentFilter = #"""
        {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.","type":null,"param":"prompt","code":"content_filter","status":400,
         "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}}}}
        """#
    static let azureUnauthorized = #"""
        {"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}
        """#
    static let azureDeploymentNotFound = #"""
        {"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}
        """#
    static let anthropicOverloaded = #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"#
    static let anthropicRateLimit = #"""
        {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 50,000 input tokens per minute."}}
        """#
    static let anthropicPromptTooLong = #"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215321 tokens > 200000 maximum"}}"#
    static let anthropicMaxTokensMissing = #"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}"#
    static let anthropicAuth = #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#
    static let anthropicPermission = #"{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}"#
    static let anthropicNotFound = #"{"type":"error","error":{"type":"not_found_error","message":"model: claude-9-opus"}}"#
    static let anthropicAPIError = #"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#
    static let geminiResourceExhausted = #"""
        {"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED",
         "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
                    {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}
        """#
    static let geminiInvalidKey = #"""
        {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
         "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}
        """#
    static let geminiTooManyTokens = #"""
        {"error":{"code":400,"message":"The input token count (1205432) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}
        """#
    static let geminiUnavailable = #"{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"#
    static let geminiNotFound = #"""
        {"error":{"code":404,"message":"models/gemini-9.0-pro is not found for API version v1beta, or is not supported for generateContent.","status":"NOT_FOUND"}}
        """#
    static let geminiDeadline = #"{"error":{"code":504,"message":"Deadline expired before operation could complete.","status":"DEADLINE_EXCEEDED"}}"#
    static let geminiPermission = #"{"error":{"code":403,"message":"Method doesn't allow unregistered callers.","status":"PERMISSION_DENIED"}}"#
    static let mistralExtraForbidden = #"""
        {"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","foo"],"msg":"Extra inputs are not permitted","input":1}]},"type":"invalid_request_error","param":null,"code":null}
        """#
    static let mistralContext = #"""
        {"object":"error","message":"Prompt contains 40062 tokens and 0 draft tokens, too large for model with 32768 maximum context length","type":"invalid_request_error","param":null,"code":null}
        """#
    static let mistralRateLimit = #"{"message":"Requests rate limit exceeded"}"#
    static let mistralUnauthorized = #"{"message":"Unauthorized","request_id":"0b6a2d5e1c"}"#
    static let deepSeekInsufficientBalance = #"{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#
    static let deepSeekContext = #"""
        {"error":{"message":"This model's maximum context length is 65536 tokens. However, you requested 70000 tokens (66000 in the messages, 4000 in the completion). Please reduce the length of the messages or completion.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}
        """#
    static let vllmContext = #"""
        {"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens in the messages.","type":"BadRequestError","param":null,"code":400}
        """#
    static let ollamaNotFound = #"{"error":"model \"llama9\" not found, try pulling it first"}"#
    static let htmlBadGateway = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
    static let truncated = #"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"mess"#
}
