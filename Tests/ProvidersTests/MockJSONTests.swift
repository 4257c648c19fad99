import Testing
@testable import MockProvider

@Suite("Mock provider JSON")
struct MockJSONTests {
    @Test func parsesAndWritesBack() throws {
        let text = #"{"a":[1,2.5,-3e2,true,false,null],"b":"x\"y\\z\n\u00e9\ud83d\ude00","c":{}}"#
        let value = try MockJSON.parse(text)
        #expect(value["a"] == [1, 2.5, -300, true, false, nil])
        #expect(value["b"]?.stringValue == "x\"y\\z\né😀")
        #expect(try MockJSON.parse(value.serialized) == value)
        #expect(MockJSON.object([("k", "\u{01}")]).serialized == #"{"k":"\u0001"}"#)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "tru", "\"abc", "{} x", "1.", "[\"\u{01}\"]"])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: MockJSONSyntaxError.self) { try MockJSON.parse(text) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: MockJSONSyntaxError.self) { try MockJSON.parse(deep) }
    }
}
