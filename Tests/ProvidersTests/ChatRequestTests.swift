import Foundation
import Testing

@testable import Providers

@Suite("Canonical chat request")
struct ChatRequestTests {
    static let fullRequest = #"""
        {"model":"gpt-4o","messages":[
            {"role":"developer","content":"Be brief."},
            {"role":"user","content":[{"type":"text","text":"What is in this image?"},
                                      {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}}],"name":"ann"},
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]},
            {"role":"tool","tool_call_id":"call_1","content":"a cat"}],
         "temperature":0.7,"top_p":0.9,"max_tokens":256,"max_completion_tokens":300,"stop":"\n\n","seed":42,"user":"user-7","n":1,
         "tools":[{"type":"function","function":{"name":"lookup","description":"Search","parameters":{"type":"object","properties":{"q":{"type":"string"}}},"strict":true}}],
         "tool_choice":{"type":"function","function":{"name":"lookup"}},
         "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"}}},
         "stream":false,"presence_penalty":0.5,"frequency_penalty":-0.5,"logit_bias":{"50256":-100},
         "parallel_tool_calls":false,"metadata":{"team":"docs"}}
        """#

    @Test func readsEveryMemberAndKeepsUnknownOnes() throws {
        let request = try ChatRequest(jsonBytes: Array(Self.fullRequest.utf8))
        #expect(request.model == "gpt-4o")
        #expect(request.messages.count == 4)
        #expect(request.messages[0].role == .developer)
        #expect(request.messages[1].content == .parts([.text("What is in this image?"), .imageURL(url: "https://example.com/cat.png", detail: "high")]))
        #expect(request.messages[1].name == "ann")
        #expect(request.messages[2].content == nil)
        #expect(request.messages[2].toolCalls == [.init(id: "call_1", name: "lookup", arguments: #"{"q":"cat"}"#)])
        #expect(request.messages[3].toolCallId == "call_1")
        #expect(request.temperature == 0.7)
        #expect(request.topP == 0.9)
        #expect(request.maxTokens == 256)
        #expect(request.outputTokenLimit == 300)
        #expect(request.stop == .single("\n\n"))
        #expect(request.seed == 42)
        #expect(request.tools?.first?.strict == true)
        #expect(request.toolChoice?["function"]?["name"] == "lookup")
        #expect(request.responseFormat?.schema == ["type": "object"])
        #expect(request.logitBias == ["50256": -100])
        #expect(request.extra == ["parallel_tool_calls": false, "metadata": ["team": "docs"]])
        try request.validate()
    }

    @Test func roundTripsThroughJSONValueAndCodable() throws {
        let request = try ChatRequest(jsonBytes: Array(Self.fullRequest.utf8))
        #expect(try ChatRequest(json: request.json) == request)
        let encoded = try JSONEncoder().encode(request)
        #expect(try JSONDecoder().decode(ChatRequest.self, from: encoded) == request)
        let original = try JSONValue.parse(Self.fullRequest)
        #expect(request.json == original)
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var json: String
        var field: String
        var message: String
        var testDescription: String { field }
    }

    static let invalid: [InvalidCase] = [
        .init(json: #"{"messages":[{"role":"user","content":"hi"}]}"#, field: "model", message: "is required"),
        .init(json: #"{"model":"m"}"#, field: "messages", message: "is required"),
        .init(json: #"{"model":"m","messages":[]}"#, field: "messages", message: "must contain at least one message"),
        .init(
            json: #"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"robot","content":"c"}]}"#,
            field: "messages[2].role", message: "expected one of system, user, assistant, tool, developer, got 'robot'"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":5}]}"#, field: "messages[0].content",
              message: "expected a string, an array of parts or null, got number"),
        .init(json: #"{"model":"m","messages":[{"role":"user"}]}"#, field: "messages[0].content", message: "is required for role 'user'"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#, field: "messages[0].content[0].text",
              message: "is required"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}"#,
              field: "messages[0].content[0].type", message: "unsupported content part type 'input_audio'; expected text or image_url"),
        .init(json: #"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#, field: "messages[0].tool_call_id",
              message: "is required for role 'tool'"),
        .init(json: #"{"model":"m","messages":[{"role":"tool","content":"x","tool_call_id":"nope"}]}"#, field: "messages[0].tool_call_id",
              message: "'nope' does not answer a tool call of an earlier assistant message"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":2.5}"#, field: "temperature",
              message: "must be between 0 and 2"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, field: "temperature",
              message: "expected a number, got string"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"top_p":1.5}"#, field: "top_p", message: "must be between 0 and 1"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, field: "max_tokens", message: "must be at least 1"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.5}"#, field: "max_tokens",
              message: "expected an integer, got number"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"n":0}"#, field: "n", message: "must be between 1 and 128"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]}"#, field: "stop",
              message: "at most 4 sequences are allowed"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a",3]}"#, field: "stop[1]", message: "expected a string, got number"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"presence_penalty":-3}"#, field: "presence_penalty",
              message: "must be between -2 and 2"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"bad name"}}]}"#,
              field: "tools[0].function.name", message: "must be 1-64 characters of a-z, A-Z, 0-9, underscores and dashes"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}"#, field: "tools[0].function",
              message: "is required"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"}"#, field: "tool_choice",
              message: "expected one of none, auto, required or a function object"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function","function":{"name":"f"}}}"#,
              field: "tool_choice.function.name", message: "'f' is not one of the tools"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}}"#, field: "response_format.type",
              message: "expected one of text, json_object, json_schema, got 'yaml'"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}"#,
              field: "response_format.json_schema.name", message: "is required"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}],"logit_bias":{"50256":-101}}"#, field: "logit_bias.50256",
              message: "must be between -100 and 100"),
        .init(json: #"{"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"#,
              field: "messages[0].content[0]", message: "image parts are only allowed in user messages"),
        .init(json: #"{"model":"m","messages":[{"role":"user","content":"x"}"#, field: "", message: "invalid JSON at byte 54: unexpected end of input"),
    ]

    @Test(arguments: invalid)
    func validationNamesTheField(_ c: InvalidCase) {
        let error = #expect(throws: ValidationError.self) {
            try ChatRequest(jsonBytes: Array(c.json.utf8)).validate()
        }
        #expect(error?.field == c.field)
        #expect(error?.message == c.message)
        if !c.field.isEmpty { #expect(error?.description == "\(c.field): \(c.message)") }
    }

    @Test func codableDecodingFailsWithTheFieldPath() {
        let body = Data(#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"wizard","content":"b"}]}"#.utf8)
        #expect {
            try JSONDecoder().decode(ChatRequest.self, from: body)
        } throws: { error in
            (error as? ValidationError)?.field == "messages[1].role"
        }
    }
}
