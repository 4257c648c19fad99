import Providers

/// Successful answers in each provider's response shape, usage block included.
public enum MockResponseBody {
    /// The JSON text of `answer` in `format`.
    /// - Parameters:
    ///   - id: unique per response; prefixed per format (`chatcmpl-`, `msg_`).
    ///   - created: Unix seconds for OpenAI's `created`.
    public static func render(_ answer: MockAnswer, format: MockWireFormat, id: String, created: Int) -> String {
        json(answer, format: format, id: id, created: created).description
    }

    /// The UTF-8 bytes of `render(_:format:id:created:)`.
    public static func renderBytes(_ answer: MockAnswer, format: MockWireFormat, id: String, created: Int) -> [UInt8] {
        json(answer, format: format, id: id, created: created).serialized()
    }

    static func json(_ answer: MockAnswer, format: MockWireFormat, id: String, created: Int) -> JSONValue {
        switch format {
        case .openAI, .azure:
            return [
                "id": .string("chatcmpl-\(id)"),
                "object": "chat.completion",
                "created": .int(created),
                "model": .string(answer.model),
                "choices": [[
                    "index": 0,
                    "message": ["role": "assistant", "content": .string(answer.text), "refusal": nil],
                    "logprobs": nil,
                    "finish_reason": answer.truncated ? "length" : "stop",
                ]],
                "usage": [
                    "prompt_tokens": .int(answer.promptTokens),
                    "completion_tokens": .int(answer.completionTokens),
                    "total_tokens": .int(answer.totalTokens),
                    "prompt_tokens_details": ["cached_tokens": .int(answer.cachedTokens), "audio_tokens": 0],
                    "completion_tokens_details": [
                        "reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
                    ],
                ],
                "system_fingerprint": "fp_mock",
            ]
        case .anthropic:
            return [
                "id": .string("msg_\(id)"),
                "type": "message",
                "role": "assistant",
                "model": .string(answer.model),
                "content": [["type": "text", "text": .string(answer.text)]],
                "stop_reason": answer.truncated ? "max_tokens" : "end_turn",
                "stop_sequence": nil,
                "usage": [
                    "input_tokens": .int(answer.promptTokens),
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": .int(answer.completionTokens),
                ],
            ]
        case .gemini:
            return [
                "candidates": [[
                    "content": ["parts": [["text": .string(answer.text)]], "role": "model"],
                    "finishReason": answer.truncated ? "MAX_TOKENS" : "STOP",
                    "index": 0,
                ]],
                "usageMetadata": [
                    "promptTokenCount": .int(answer.promptTokens),
                    "candidatesTokenCount": .int(answer.completionTokens),
                    "totalTokenCount": .int(answer.totalTokens),
                ],
                "modelVersion": .string(answer.model),
                "responseId": .string(id),
            ]
        }
    }

    /// A 200 body that is not JSON: the answer with a stray token in the middle.
    public static func malformed(_ body: String) -> String {
        guard body.hasSuffix("}") else { return body + "}" }
        return String(body.dropLast()) + ",\"usage_note\": NaN, oops}"
    }

    /// A 200 body cut in half.
    public static func truncated(_ body: String) -> String {
        String(decoding: Array(body.utf8).prefix(max(1, body.utf8.count / 2)), as: UTF8.self)
    }
}
