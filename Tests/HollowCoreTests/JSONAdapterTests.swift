import HollowCore
import Testing

@Suite struct JSONAdapterTests {
    static let schemaText = """
        Movie @PrimaryKey(id) {
            long id;
            String title;
            int year;
            double score;
            boolean released;
            bytes poster;
            ListOfActor cast;
            SetOfString tags;
            MapOfStringToInteger ratings;
            MapOfActorToString roles;
        }
        Actor { string name; int born; }
        String { string value; }
        Integer { int value; }
        ListOfActor List<Actor>;
        SetOfString Set<String> @HashKey(value);
        MapOfStringToInteger Map<String, Integer> @HashKey(value);
        MapOfActorToString Map<Actor, String>;
        """

    static func engine() throws -> HollowWriteStateEngine {
        let engine = HollowWriteStateEngine()
        for s in try HollowSchemaParser.parseCollectionOfSchemas(schemaText) { try engine.addTypeState(s) }
        return engine
    }

    @Test func linesRoundTripThroughABlob() throws {
        let lines = [
            #"{"id":1,"title":"Heat","year":1995,"score":8.5,"released":true,"poster":"AAEC/w==","cast":[{"name":"Al","born":1940},{"name":"Bob","born":-1}],"tags":["crime","la"],"ratings":{"imdb":83,"rt":-2147483647},"roles":[[{"name":"Al","born":1940},"Vincent"]]}"#,
            #"{"id":2,"title":"日本語 🎬 \"q\"","score":"NaN","cast":[],"tags":[],"ratings":{},"roles":[]}"#,
            #"{"id":9223372036854775807,"score":"-Infinity","year":null}"#,
        ]
        let engine = try Self.engine()
        let adapter = try HollowJSONAdapter(engine: engine, typeName: "Movie")
        let ordinals = try adapter.addLines(lines.joined(separator: "\n") + "\n\n")
        #expect(ordinals == [0, 1, 2])
        let state = try ReadState.load(snapshot: engine.writeSnapshot())
        let out = try HollowJSONAdapter.jsonLines(of: "Movie", in: state)
        #expect(out.count == 3)
        // Re-importing the export into a fresh engine and exporting again is stable.
        let engine2 = try Self.engine()
        try HollowJSONAdapter(engine: engine2, typeName: "Movie").addLines(out.joined(separator: "\n"))
        let state2 = try ReadState.load(snapshot: engine2.writeSnapshot())
        #expect(try HollowJSONAdapter.jsonLines(of: "Movie", in: state2) == out)
        #expect(out[0].contains(#""poster":"AAEC/w==""#))
        #expect(out[0].contains(#""ratings":{"imdb":83,"rt":-2147483647}"#))
        #expect(out[0].contains(#""roles":[[{"name":"Al","born":1940},"Vincent"]]"#))
        #expect(out[1].contains(#""score":"NaN""#))
        #expect(state.objectType("Actor")?.populatedCount == 2)
    }

    @Test(arguments: [
        (#"{"id":1,"nope":2}"#, "Movie: type Movie has no field \"nope\""),
        (#"{"id":"x"}"#, "Movie.id: expected an integer"),
        (#"{"id":1,"year":3000000000}"#, "Movie.year: expected an integer from -2147483648 to 2147483647"),
        (#"{"id":1,"cast":[null]}"#, "Movie.cast[0]: collections cannot hold null"),
        (#"{"id":1,"roles":{"Al":"x"}}"#, "Movie.roles: keys of MapOfActorToString are Actor records"),
        (#"{"id":1,"poster":"***"}"#, "Movie.poster: \"***\" is not valid base64"),
        (#"{"id":1,"title":{"value":"x"}}"#, "Movie.title: expected a string, found an object"),
        (#"{"id":1,"#, "invalid JSON at column 9"),
        (#"[1]"#, "expected a JSON object for a Movie record"),
        (#"{"id":1,"released":1}"#, "Movie.released: expected true or false, found 1"),
    ])
    func badLineIsRejectedWithItsNumberAndNothingIsAdded(line: String, reason: String) throws {
        let engine = try Self.engine()
        let adapter = try HollowJSONAdapter(engine: engine, typeName: "Movie")
        let text = #"{"id":10,"title":"ok"}"# + "\n\n" + line + "\n" + #"{"id":11}"#
        do {
            try adapter.addLines(text)
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.line == 3)
            #expect(error.reason.hasPrefix(reason), "\(error.reason)")
        }
        #expect(engine.populatedOrdinals(of: "Movie").isEmpty)
        #expect(engine.populatedOrdinals(of: "String").isEmpty)
    }

    /// Java's kitchensink records exported as JSON, imported into a fresh engine and exported again, are unchanged.
    @Test(arguments: ["kitchensink", "metrics"])
    func fixtureRecordsSurviveJSON(dataset: String) throws {
        let state = try ReadState.load(snapshot: try WriteFixtures.bytes(dataset, "snapshot-1"))
        let top = dataset == "kitchensink" ? "Movie" : "MetricsState"
        let lines = try HollowJSONAdapter.jsonLines(of: top, in: state)
        let engine = HollowWriteStateEngine()
        for s in state.schemas { try engine.addTypeState(s) }
        try HollowJSONAdapter(engine: engine, typeName: top).addLines(lines.joined(separator: "\n"))
        let again = try ReadState.load(snapshot: engine.writeSnapshot())
        #expect(try HollowJSONAdapter.jsonLines(of: top, in: again) == lines)
        for name in state.typeNames where name != "EmptyType" {
            #expect(again.populatedOrdinals(of: name).count == state.populatedOrdinals(of: name).count, "\(name)")
        }
    }

    @Test func jsonParserErrors() throws {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(#"{"a":1,"a":2}"#) }
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("01") }
        // A lone surrogate is a Java string's (JavaUTF16), not an error.
        #expect(try JSONValue.parse(#""\ud800""#) == .string(JavaUTF16.string(units: [0xD800] as [UInt16])))
        #expect(try JSONValue.parse(#" {"k" : [1, -2.5e3, "\u00e9\ud83c\udfac", true, null]} "#)
            == .object([("k", .array([.number("1"), .number("-2.5e3"), .string("é🎬"), .bool(true), .null]))]))
    }
}
