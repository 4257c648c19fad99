import Providers

/// Server-sent events for `stream: true`, built from a completed `chat.completion`: per choice a
/// role chunk, one content chunk with the whole text (and any tool calls), a finish chunk; then
/// an optional usage chunk and `data: [DONE]`. Chunks come after completion, not token by token.
enum ChatStreamEncoder {
    static func events(for completion: [String: JSONValue], includeUsage: Bool) -> String {
        let base: [String: JSONValue] = [
            "id": completion["id"] ?? "chatcmpl", "object": "chat.completion.chunk",
            "created": completion["created"] ?? 0, "model": completion["model"] ?? "",
        ]
        var out = ""
        func send(_ choices: [JSONValue], extra: [String: JSONValue] = [:]) {
            var chunk = base
            chunk["choices"] = .array(choices)
            for (key, value) in extra { chunk[key] = value }
            out += "data: " + String(decoding: JSONValue.object(chunk).serialized(), as: UTF8.self) + "\n\n"
        }
        for (position, choice) in (completion["choices"]?.arrayValue ?? []).enumerated() {
            let index = choice["index"] ?? .int(position)
            let message = choice["message"] ?? [:]
            send([["index": index, "delta": ["role": message["role"] ?? "assistant", "content": ""], "finish_reason": nil]])
            var delta: [String: JSONValue] = [:]
            if let content = message["content"], !content.isNull { delta["content"] = content }
            if let calls = message["tool_calls"]?.arrayValue {
                delta["tool_calls"] = .array(calls.enumerated().map { offset, call in
                    var call = call.objectValue ?? [:]
                    call["index"] = .int(offset)
                    return .object(call)
                })
            }
            if !delta.isEmpty { send([["index": index, "delta": .object(delta), "finish_reason": nil]]) }
            send([["index": index, "delta": [:], "finish_reason": choice["finish_reason"] ?? "stop"]])
        }
        if includeUsage, let usage = completion["usage"] { send([], extra: ["usage": usage]) }
        return out + "data: [DONE]\n\n"
    }
}
