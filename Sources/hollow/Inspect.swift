import ArgumentParser
import HollowCore

/// `hollow inspect BLOB`: a readable summary of one blob.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise one blob: kind, versions and tags, header tags, and each type's schema, records, shards and bytes.")

    @Argument(help: "The blob file (uncompressed).")
    var blob: String

    func run() throws {
        let bytes: [UInt8]
        let summary: HollowBlobSummary
        do {
            bytes = try StoreFiles.read(blob)
            summary = try HollowBlobSummary.inspect(bytes)
        } catch let error as CLIError {
            throw StoreFiles.failure(error.description)
        } catch let error as BlobDecodingError {
            throw StoreFiles.failure("\(blob): \(error)")
        }
        let fileName = blob.split(separator: "/").last.map(String.init) ?? blob
        var kind = summary.kind.rawValue
        if summary.kind == .delta && fileName.hasPrefix("reversedelta") { kind = "reverse delta" }
        var out = "blob: \(blob) (\(bytes.count) bytes)\n"
        out += "kind: \(kind)\n"
        out += "origin tag: \(summary.header.originRandomizedTag)\n"
        out += "destination tag: \(summary.header.destinationRandomizedTag)\n"
        if let v = summary.header.toVersion { out += "to version: \(v)\n" }
        out += "header tags:\n"
        for key in summary.header.headerTags.keys.sorted() {
            out += "  \(key) = \(summary.header.headerTags[key] ?? "")\n"
        }
        out += "schemas in header: \(summary.header.schemas.count)\n"
        out += "types: \(summary.types.count)\n"
        for t in summary.types {
            let records = summary.kind == .snapshot ? "records \(t.recordCount)" : "added \(t.recordCount), removed \(t.removedCount)"
            out += "  \(t.schema.name) [\(t.schema.kind.rawValue)] \(records), shards \(t.shardCount), max ordinal \(t.maxOrdinal), \(t.byteCount) bytes\n"
            out += "    schema: \(Self.describe(t.schema))\n"
        }
        print(out, terminator: "")
    }

    /// A one-line rendering of a schema.
    static func describe(_ schema: HollowSchema) -> String {
        switch schema {
        case .object(let s):
            let key = s.primaryKey.map { " @PrimaryKey(\($0.joined(separator: ", ")))" } ?? ""
            let fields = s.fields.map { f in
                f.type == .reference ? "\(f.referencedType ?? "?") \(f.name);" : "\(f.type.rawValue.lowercased()) \(f.name);"
            }
            return "\(s.name)\(key) { \(fields.joined(separator: " ")) }"
        case .list(let s): return "\(s.name) List<\(s.elementType)>;"
        case .set(let s): return "\(s.name) Set<\(s.elementType)>\(s.hashKey.map { " @HashKey(\($0.joined(separator: ", ")))" } ?? "");"
        case .map(let s):
            return "\(s.name) Map<\(s.keyType), \(s.valueType)>\(s.hashKey.map { " @HashKey(\($0.joined(separator: ", ")))" } ?? "");"
        }
    }
}
