import ArgumentParser
import HollowCore
import HollowFilesystem
import HollowHTTP
import HollowProducer

/// `hollow inspect --store STORE [--namespace NS] (BLOB | --version V)`: a readable summary of one blob of a
/// store, or of the state of one version.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise one blob (kind, tags, each type's schema, records, shards and bytes) or one version's state.",
        discussion: """
            BLOB is a blob's name in the store (snapshot-3, delta-2-3, reversedelta-3-2, header-3; a plain or a \
            compressed file alike). With --version V instead: the state of V as the store loads it (types, records, \
            header tags and a content checksum).
            """)

    @OptionGroup var location: StoreOptions

    @Argument(help: "The blob's name in the store, e.g. snapshot-3 or delta-2-3.")
    var blob: String?

    @Option(help: "Summarise the state of this version instead of one blob.")
    var version: Int64?

    func validate() throws {
        guard (blob == nil) != (version == nil) else { throw ValidationError("give a blob name or --version, not both") }
    }

    func run() async throws {
        do {
            if let version {
                let loaded = try await Dump.load(location, version: version, from: nil)
                print(Self.describe(loaded), terminator: "")
            } else if let blob {
                print(try await Self.describe(blob: blob, in: try location.blobStore()), terminator: "")
            }
        } catch let error as CLIError {
            throw failure(error.description)
        }
    }

    /// The summary of the state of one version: what every store holding that version prints alike.
    static func describe(_ loaded: StateLoader.Loaded) -> String {
        let state = loaded.state
        var out = "version: \(loaded.version)\n"
        out += "header tags:\n"
        for key in state.headerTags.keys.sorted() { out += "  \(key) = \(state.headerTags[key] ?? "")\n" }
        let names = state.typeNames.sorted()
        out += "types: \(names.count)\n"
        for name in names {
            guard let schema = state.schema(named: name) else { continue }
            out += "  \(name) [\(schema.kind.rawValue)] records \(state.populatedOrdinals(of: name).count)\n"
            out += "    schema: \(describe(schema))\n"
        }
        out += "checksum: \(String(StateChecksum(state).value, radix: 16))\n"
        return out
    }

    /// The summary of the blob stored as `name` in `store` (a directory, or a URL through its `blobs.index`).
    static func describe(blob name: String, in store: any BlobStore) async throws -> String {
        let found: Blob?
        do { found = try await store.blob(named: name) } catch let error as FilesystemStoreError {
            throw CLIError(error.message)
        } catch let error as HTTPBlobError {
            throw CLIError(error.message)
        }
        guard let found else { throw CLIError("\(store.location) has no blob \(name)") }
        let bytes: [UInt8]
        let summary: HollowBlobSummary
        do {
            bytes = try await found.bytes()
            summary = try HollowBlobSummary.inspect(bytes)
        } catch let error as FilesystemStoreError {
            throw CLIError(error.message)
        } catch let error as HTTPBlobError {
            throw CLIError(error.message)
        } catch let error as BlobDecodingError {
            throw CLIError("\(name): \(error)")
        }
        var kind = summary.kind.rawValue
        if summary.kind == .delta && found.type == .reverseDelta { kind = "reverse delta" }
        var out = "blob: \(found.fileName) in \(store.location) (\(bytes.count) bytes)\n"
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
        return out
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
