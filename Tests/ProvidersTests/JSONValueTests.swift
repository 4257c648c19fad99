import Testing

@testable import Providers

@Suite("JSONValue parser and writer")
struct JSONValueTests {
    @Test(arguments: [
        (#"{"a":[1,2.5,-3e2,true,false,null,"x"]}"#, JSONValue.object(["a": [1, 2.5, -300.0, true, false, nil, "x"]])),
        (#" [ ] "#, .array([])),
        (#""\u00e9\ud83d\ude00\n\"\\\/""#, .string("é😀\n\"\\/")),
        ("9007199254740993", .int(9_007_199_254_740_993)),
        ("0.1", .double(0.1)),
        (#"{"nested":{"deep":{"x":{}}}}"#, JSONValue.object(["nested": ["deep": ["x": JSONValue.object([:])]]])),
    ])
    func parses(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: ["", "{", "[1,]", #"{"a" 1}"#, "01", "1.", "tru", #""\x""#, "\"a\u{01}\"", "[1] 2", #"{"a":1,}"#])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func numbersCompareByValue() {
        #expect(JSONValue.int(1) == .double(1))
        #expect(JSONValue.int(1) != .double(1.5))
        #expect(Set<JSONValue>([.int(2), .double(2)]).count == 1)
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func writesCompactSortedJSONThatParsesBack() throws {
        let value: JSONValue = ["b": [1, 2.5, "t\"ab\t", nil], "a": true, "c": ["x": "\u{1}é"]]
        let text = value.description
        #expect(text == #"{"a":true,"b":[1,2.5,"t\"ab\t",null],"c":{"x":"\u0001é"}}"#)
        #expect(try JSONValue.parse(text) == value)
    }
}
