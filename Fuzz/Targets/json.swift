// JSON input: records mapped onto a schema (`hollow publish --json`), and the JSON parser itself. The first byte
// picks the record type among the schemas below (every field kind and collection; or, past them, the plain JSON
// parser); the rest is JSON lines. Records that were accepted must survive writing a snapshot and loading it back.
import HollowCore

let jsonSchemas: [HollowSchema] = {
    let text = """
        Movie @PrimaryKey(id) {
            long id;
            String title;
            int year;
            double score;
            float rating;
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
    do {
        return try HollowSchemaParser.parseCollectionOfSchemas(text)
    } catch {
        fatalError("the fuzz target's schemas do not parse: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzInput(data, size)
    guard let selector = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let pick = Int(selector) % (jsonSchemas.count + 1)
    if pick == jsonSchemas.count {
        guard let value = try? JSONValue.parse(body) else { return 0 }
        let text = value.serialized()
        guard let again = try? JSONValue.parse(text) else { fatalError("serialized JSON does not parse: \(text)") }
        guard again == value else { fatalError("JSON changed in a serialize/parse round trip: \(text)") }
        return 0
    }
    let engine = HollowWriteStateEngine()
    do {
        for schema in jsonSchemas { try engine.addTypeState(schema) }
    } catch {
        fatalError("the fixture schemas do not register: \(error)")
    }
    guard let adapter = try? HollowJSONAdapter(engine: engine, typeName: jsonSchemas[pick].name),
        (try? adapter.addLines(String(decoding: body, as: UTF8.self))) != nil
    else { return 0 }
    do {
        exercise(try ReadState.load(snapshot: engine.writeSnapshot()))
    } catch {
        fatalError("accepted JSON records wrote a snapshot that does not load: \(error)")
    }
    return 0
}
