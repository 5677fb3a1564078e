// The schema language (`hollow publish --schema`, `hollow generate`): parse, print, parse again; what was
// accepted must print to text that parses to the same schemas.
import HollowCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSchema(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    guard let schemas = try? HollowSchemaParser.parseCollectionOfSchemas(text) else { return 0 }
    let printed = HollowSchemaParser.text(of: schemas)
    let again: [HollowSchema]
    do {
        again = try HollowSchemaParser.parseCollectionOfSchemas(printed)
    } catch {
        fatalError("printed schemas do not parse: \(error)\n--- input\n\(text)\n--- printed\n\(printed)")
    }
    guard again == schemas else { fatalError("schemas changed in a print/parse round trip:\n\(text)\n---\n\(printed)") }
    return 0
}
