import Providers
import Testing

import Gateway

@Suite("JSON parser and canonical printing")
struct JSONValueTests {
    @Test(arguments: [
        (#"{"b":1,"a":[true,false,null],"c":"x"}"#, #"{"a":[true,false,null],"b":1,"c":"x"}"#),
        ("1.0", "1"), ("-0.5", "-0.5"), ("1e3", "1000"), ("9007199254740993", "9007199254740993"),
        (#""\u00e9\ud83d\ude00\n\"""#, "\"é😀\\n\\\"\""), (#""\u0001""#, #""\u0001""#),
        ("  [ ]  ", "[]"), ("{}", "{}"), ("0.1", "0.1"),
    ])
    func canonicalForms(input: String, canonical: String) throws {
        #expect(try JSONValue.parse(input).canonicalText == canonical)
    }

    @Test(arguments: ["", "{", "[1,]", #"{"a" 1}"#, "01", "1.", "tru", #""\x""#, "\"a\nb\"", "[1] 2", "NaN"])
    func rejectsInvalidJSON(input: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(input) }
    }

    /// Provider bodies sometimes carry a lone surrogate escape; the shared parser replaces it with
    /// U+FFFD rather than failing the whole response.
    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONValue.parse(#""\ud800""#) == .string("\u{FFFD}"))
    }

    @Test func errorsCarryTheOffset() {
        do {
            _ = try JSONValue.parse("{\n\"a\": 1,\n}")
            Issue.record("parsed invalid JSON")
        } catch {
            #expect(error.offset == 10)  // the "}" after a trailing comma
        }
    }

    @Test func configErrorsGiveTheLine() {
        #expect(Fixtures.issues("{\n\"providers\": [],\n}").first?.hasPrefix("(root): invalid JSON at line 3 (byte 19)") == true)
    }

    @Test func numbersCompareByValue() {
        #expect(JSONValue.int(1) == .double(1))
        #expect(Set<JSONValue>([.int(2), .double(2)]).count == 1)
        #expect(JSONValue.int(1) != .double(1.5))
    }

    @Test func numbersKeepTheirKind() throws {
        let value = try JSONValue.parse(#"{"i": 3, "d": 3.5, "b": true}"#)
        #expect(value["i"] == .int(3))
        #expect(value["d"] == .double(3.5))
        #expect(value["b"] == .bool(true))
        #expect(value["i"]?.intValue == 3 && value["d"]?.intValue == nil)
    }

    @Test func deepNestingIsRefused() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 10_000)) }
    }
}
