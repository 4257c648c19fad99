import Providers
import Testing

import Gateway

@Suite("Cache key: canonical, stable, sensitive to what changes the answer")
struct CacheKeyTests {
    static let base: JSONValue = [
        "model": "chat",
        "messages": [
            ["role": "system", "content": "You are terse."],
            ["role": "user", "content": "Summarise the attached memo."],
        ],
        "temperature": 0.2,
        "max_tokens": 256,
        "user": "alice",
        "metadata": ["team": "docs"],
        "stream": false,
    ]

    static func with(_ field: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var members) = base else { return base }
        members[field] = value
        return .object(members)
    }

    @Test func keyIsSha256HexOfCanonicalText() {
        let key = CacheKey(request: Self.base, model: "gpt-4o-mini")
        #expect(key.hex.count == 64)
        #expect(key.hex == SHA256.hexDigest(CacheKey.canonicalText(request: Self.base, model: "gpt-4o-mini")))
    }

    @Test func keysForSeveralModelsAreEachModelsKey() {
        let models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"]
        #expect(CacheKey.keys(request: Self.base, models: models) == models.map { CacheKey(request: Self.base, model: $0) })
        #expect(Set(CacheKey.keys(request: Self.base, models: models)).count == 3)
    }

    @Test func keyOrderAndNumberSpellingDoNotMatter() throws {
        let a = try JSONValue.parse(#"{"temperature":1.0,"messages":[{"role":"user","content":"hi"}],"top_p":0.50}"#)
        let b = try JSONValue.parse(#"{ "top_p": 5e-1, "messages": [ {"content":"hi", "role":"user"} ], "temperature": 1 }"#)
        #expect(CacheKey(request: a, model: "m") == CacheKey(request: b, model: "m"))
    }

    @Test func stableAcrossRuns() {
        // A golden value: if this changes, every stored cache entry stops matching — bump formatVersion.
        let request: JSONValue = ["messages": [["role": "user", "content": "hi"]], "temperature": 0]
        #expect(
            CacheKey.canonicalText(request: request, model: "gpt-4o")
                == #"{"_v":1,"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o","temperature":0}"#)
    }

    @Test(arguments: [
        ("temperature", JSONValue.double(0.3)),
        ("top_p", 0.9),
        ("max_tokens", 257),
        ("stop", ["\n\n"]),
        ("seed", 42),
        ("n", 2),
        ("presence_penalty", 0.5),
        ("frequency_penalty", 0.5),
        ("response_format", ["type": "json_object"]),
        ("tools", [["type": "function", "function": ["name": "lookup"]]]),
        ("tool_choice", "required"),
        ("logit_bias", ["50256": -100]),
        ("messages", [["role": "user", "content": "Summarise the attached memo!"]]),
    ] as [(String, JSONValue)])
    func outputAffectingFieldChangesTheKey(field: String, value: JSONValue) {
        #expect(CacheKey(request: Self.with(field, value), model: "m") != CacheKey(request: Self.base, model: "m"))
    }

    @Test(arguments: [
        ("user", JSONValue.string("bob")),
        ("metadata", ["team": "legal"]),
        ("stream", true),
        ("model", "gpt-4o-mini"),
        ("priority", 5),
    ] as [(String, JSONValue)])
    func fieldsThatDoNotChangeTheAnswerKeepTheKey(field: String, value: JSONValue) {
        #expect(CacheKey(request: Self.with(field, value), model: "m") == CacheKey(request: Self.base, model: "m"))
    }

    @Test func modelActuallyCalledIsInTheKey() {
        #expect(CacheKey(request: Self.base, model: "gpt-4o") != CacheKey(request: Self.base, model: "gpt-4o-mini"))
    }
}
