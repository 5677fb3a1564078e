import HollowCore
import Testing

@Suite struct SchemaParserTests {
    @Test func parsesEveryKindWithKeysAndComments() throws {
        let text = """
            // a movie catalogue
            Movie @PrimaryKey(id, country.code) {
                long id;     /* inline */
                String title;
                string note;
                int i; float f; double d; boolean b; bytes raw;
                SetOfActor cast;
            }
            /* multi
               line */
            ListOfActor List<Actor>;
            SetOfActor Set<Actor> @HashKey(name);
            MapOfStringToActor Map<String, Actor> @HashKey(value);
            SetOfGenre Set<Genre>;
            Empty { }
            """
        let schemas = try HollowSchemaParser.parseCollectionOfSchemas(text)
        #expect(schemas.map(\.name) == ["Movie", "ListOfActor", "SetOfActor", "MapOfStringToActor", "SetOfGenre", "Empty"])
        guard case .object(let movie) = schemas[0] else { Issue.record("Movie is not an object"); return }
        #expect(movie.primaryKey == ["id", "country.code"])
        #expect(movie.fields.map(\.type) == [.long, .reference, .string, .int, .float, .double, .boolean, .bytes, .reference])
        #expect(movie.fields[1].referencedType == "String")
        #expect(schemas[2] == .set(HollowSetSchema(name: "SetOfActor", elementType: "Actor", hashKey: ["name"])))
        #expect(schemas[3] == .map(HollowMapSchema(name: "MapOfStringToActor", keyType: "String", valueType: "Actor", hashKey: ["value"])))
        #expect(schemas[4] == .set(HollowSetSchema(name: "SetOfGenre", elementType: "Genre")))
    }

    @Test(arguments: ["metrics", "kitchensink", "sharded"])
    func printedFixtureSchemasParseBack(dataset: String) throws {
        let schemas = try writeTestParseHeader(try WriteFixtures.bytes(dataset, "snapshot-1")).schemas
        let text = HollowSchemaParser.text(of: schemas)
        #expect(try HollowSchemaParser.parseCollectionOfSchemas(text) == schemas)
    }

    @Test func printsLikeJava() {
        let s = HollowSchema.object(HollowObjectSchema(
            name: "Movie", fields: [.init(name: "id", type: .long), .init(name: "title", type: .reference, referencedType: "String")],
            primaryKey: ["id"]))
        #expect(HollowSchemaParser.text(of: s) == "Movie @PrimaryKey(id) {\n\tlong id;\n\tString title;\n}")
    }

    @Test(arguments: [
        ("Movie { long id }", 1, 17, "';' after field Movie.id", "'}'"),
        ("Movie\n  List<A>", 2, 10, "';' after the List declaration of Movie", "end of input"),
        ("Movie Foo<A>;", 1, 7, "'{', '@PrimaryKey', 'List', 'Set' or 'Map' after type Movie", "'Foo'"),
        ("A Map<K V>;", 1, 9, "',' after the key type of A", "'V'"),
        ("A Set<K> @PrimaryKey(x);", 1, 11, "@HashKey in type A", "'PrimaryKey'"),
        ("A { int x; } A { int y; }", 1, 14, "a new type name", "'A' declared again"),
        ("A { int x; /* open", 1, 12, "'*/' closing this comment", "end of input"),
        ("{ }", 1, 1, "a type name", "'{'"),
    ])
    func reportsWhereAndWhat(text: String, line: Int, column: Int, expected: String, found: String) {
        #expect(throws: HollowSchemaSyntaxError(line: line, column: column, expected: expected, found: found)) {
            _ = try HollowSchemaParser.parseCollectionOfSchemas(text)
        }
    }
}
