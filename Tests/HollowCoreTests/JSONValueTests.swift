import HollowCore
import Testing

@Suite("JSONValue: parse, serialize, accessors and the one escaping policy")
struct JSONValueTests {
    @Test("compact and pretty text parse back to the same value, members in order")
    func roundTrip() throws {
        let text = #"{"z":1,"a":[true,false,null,-2.5e3,"x"],"m":{"b":{},"a":[]},"e":""}"#
        let v = try JSONValue.parse(text)
        #expect(v.serialized() == text)
        #expect(v.members?.map(\.key) == ["z", "a", "m", "e"])
        #expect(v["m"]?.members?.map(\.key) == ["b", "a"])
        let pretty = v.prettyPrinted()
        #expect(
            pretty == """
                {
                  "z": 1,
                  "a": [
                    true,
                    false,
                    null,
                    -2.5e3,
                    "x"
                  ],
                  "m": {
                    "b": {},
                    "a": []
                  },
                  "e": ""
                }
                """)
        #expect(try JSONValue.parse(pretty) == v)
        #expect(try JSONValue.parse(pretty).serialized() == text)
    }

    @Test("64-bit integers stay exact: Int64.min, Int64.max and beyond")
    func exactIntegers() throws {
        let v = try JSONValue.parse("[-9223372036854775808, 9223372036854775807, 18446744073709551615, 9007199254740993]")
        let a = try #require(v.array)
        #expect(a[0].int64 == Int64.min)
        #expect(a[1].int64 == Int64.max)
        #expect(a[2] == .number("18446744073709551615"))
        #expect(a[2].int64 == nil)  // does not fit
        #expect(a[3].int64 == 9_007_199_254_740_993)  // 2^53 + 1: a Double would lose it
        #expect(v.serialized() == "[-9223372036854775808,9223372036854775807,18446744073709551615,9007199254740993]")
        #expect(JSONValue.int(Int64.min).serialized() == "-9223372036854775808")
        #expect(JSONValue.int(UInt64.max).serialized() == "18446744073709551615")
    }

    @Test("accessors, literals and convenience constructors")
    func accessors() throws {
        let v: JSONValue = ["i": 42, "d": 8.5, "b": true, "s": "text", "n": nil, "a": [1, "two"]]
        #expect(v.serialized() == #"{"i":42,"d":8.5,"b":true,"s":"text","n":null,"a":[1,"two"]}"#)
        #expect(v["i"]?.int64 == 42)
        #expect(v["i"]?.double == 42)
        #expect(v["d"]?.double == 8.5)
        #expect(v["d"]?.int64 == nil)
        #expect(v["b"]?.bool == true)
        #expect(v["s"]?.string == "text")
        #expect(v["n"]?.isNull == true)
        #expect(v["a"]?.array?.count == 2)
        #expect(v["missing"] == nil)
        #expect(v["s"]?["x"] == nil)
        #expect(try JSONValue.parse("1e3").int64 == 1000)
        #expect(try JSONValue.parse("5.0").int64 == 5)
        #expect(JSONValue.double(.nan) == .string("NaN"))
        #expect(JSONValue.double(-.infinity) == .string("-Infinity"))
        #expect(JSONValue.double(0.1).serialized() == "0.1")
        #expect(JSONValue(sortingKeys: ["b": 2, "a": 1, "é": 3, "B": 0]).serialized() == #"{"B":0,"a":1,"b":2,"é":3}"#)
        // Order matters for equality: members are a sequence.
        #expect(JSONValue.object([("a", 1), ("b", 2)]) != JSONValue.object([("b", 2), ("a", 1)]))
    }

    @Test("syntax errors name the line and the column")
    func errors() {
        let cases: [(text: String, line: Int, column: Int, message: String)] = [
            ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7, "expected ':', found '2'"),
            ("[1,\n2,\n]", 3, 1, "expected a JSON value, found ']'"),
            (#"{"a":1,"a":2}"#, 1, 8, #"member "a" appears twice"#),
            ("[01]", 1, 2, "numbers must not have leading zeros"),
            ("\"abc", 1, 5, "expected '\"' closing the string, found the end of the text"),
            (#""\ud800\uzzzz""#, 1, 10, "expected a hex digit, found 'z'"),
            ("{} x", 1, 4, "expected the end of the text after the JSON value, found 'x'"),
            ("", 1, 1, "expected a JSON value, found the end of the text"),
        ]
        for c in cases {
            let e = #expect(throws: JSONSyntaxError.self, "\(c.text)") { try JSONValue.parse(c.text) }
            #expect(e?.line == c.line, "\(c.text)")
            #expect(e?.column == c.column, "\(c.text)")
            #expect(e?.message == c.message, "\(c.text)")
            #expect(e?.description == "line \(c.line), column \(c.column): \(c.message)")
        }
    }

    @Test("large objects keep their order and still reject a repeated member")
    func largeObject() throws {
        let members = (0..<20_000).map { "\"k\($0)\":\($0)" }
        let v = try JSONValue.parse("{" + members.joined(separator: ",") + "}")
        #expect(v.members?.count == 20_000)
        #expect(v.members?.last?.key == "k19999")
        #expect(v["k12345"]?.int64 == 12345)
        let text = "{" + members.joined(separator: ",") + ",\"k17\":0}"
        let e = #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
        #expect(e?.message == #"member "k17" appears twice"#)
        #expect(e?.column == text.utf8.count - 7)
    }

    @Test("escaping: quotes, backslash, short escapes, control characters, DEL, <, >, &; non-ASCII as is")
    func escaping() throws {
        let s = "q\" b\\ n\n r\r t\t bs\u{8} ff\u{C} nul\u{0} us\u{1F} del\u{7F} <script>&amp; é 🎬 \u{2028} / '"
        let quoted = JSONValue.quoted(s)
        #expect(
            quoted
                == #""q\" b\\ n\n r\r t\t bs\b ff\f nul\u0000 us\u001f del\u007f \u003cscript\u003e\u0026amp; é 🎬 "#
                + "\u{2028}" + #" / '""#)
        // The escaped text is pure printable ASCII apart from the non-ASCII scalars, which stay UTF-8.
        #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || "<>&".unicodeScalars.contains($0) })
        #expect(quoted.contains("é 🎬"))
        // It parses back to the same string, and serialization uses the same escaper (keys too).
        #expect(try JSONValue.parse(quoted) == .string(s))
        #expect(JSONValue.object([(s, .string(s))]).serialized() == "{" + quoted + ":" + quoted + "}")
        var body = ""
        JSONValue.escape("</script>", into: &body)
        #expect(body == #"\u003c/script\u003e"#)
        // A lone surrogate carried from a Java string (JavaUTF16) is written as Java's dump writes it, and parses
        // back to the same Java string; so does a real U+10FFFF (which the carrying doubles).
        let lone = JavaUTF16.string(units: [0x61, 0xD800, 0xDBFF, 0xDFFF, 0xDE00, 0xDBFF] as [UInt16])
        #expect(JSONValue.quoted(lone) == #""a\ud800"# + "\u{10FFFF}" + #"\ude00\udbff""#)
        #expect(try JSONValue.parse(JSONValue.quoted(lone)) == .string(lone))
        #expect(try JSONValue.parse(#""\ud800\u0041\udc00""#) == .string(JavaUTF16.string(units: [0xD800, 0x41, 0xDC00] as [UInt16])))
    }

    @Test("parses UTF-8 bytes, escapes and surrogate pairs")
    func parseBytes() throws {
        let v = try JSONValue.parse(Array(#"["\u00e9\ud83c\udfac", "\/", "é"]"#.utf8))
        #expect(v == ["é🎬", "/", "é"])
    }
}
