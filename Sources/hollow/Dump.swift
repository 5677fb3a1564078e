import ArgumentParser
import HollowCore
import HollowFilesystem
import HollowHTTP

/// `hollow dump --store STORE [--namespace NS] [--version V] [--from U]`: prints a state of a store as canonical
/// JSON.
struct Dump: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a state of a blob store as canonical JSON.",
        discussion: """
            Without --from: loads the snapshot of V, or the newest earlier snapshot plus deltas (or a newer snapshot \
            plus reverse deltas). With --from U: loads snapshot U, then walks deltas forward (U < V) or reverse \
            deltas back (U > V) to V. Plain, zstd-compressed and mixed stores are read alike.
            """)

    @OptionGroup var location: StoreOptions

    @Option(help: "The version to print (default: the announced version).")
    var version: Int64?

    @Option(help: "Start from the snapshot of this version.")
    var from: Int64?

    @OptionGroup var filterOptions: FilterOptions

    @Flag(help: "Print the loaded bytes per type (one JSON line each, then the total) instead of the records.")
    var footprint = false

    func run() async throws {
        do {
            let loaded = try await Self.load(location, version: version, from: from, filter: try filterOptions.filter)
            if footprint {
                var out = ""
                for (type, bytes) in loaded.state.footprintByType {
                    out += JSONValue.object([("type", .string(type)), ("bytes", .int(bytes))]).serialized() + "\n"
                }
                out += JSONValue.object([("total", .int(loaded.state.loadedByteCount))]).serialized() + "\n"
                writeStdout(Array(out.utf8))
                return
            }
            loaded.state.writeCanonicalJSON { writeStdout($0) }
        } catch let error as CLIError {
            throw failure(error.description)
        }
    }

    /// Loads `version` (default: the announced one) of the store, from snapshot `from` when given.
    /// - Throws: ``CLIError`` naming the store and the problem.
    static func load(
        _ location: StoreOptions, version: Int64?, from: Int64?, filter: HollowFilterConfig? = nil
    ) async throws -> StateLoader.Loaded {
        let retriever = try location.blobStore()
        let store = retriever.location
        let target: Int64
        if let version {
            target = version
        } else {
            do {
                guard let announced = try await retriever.announcedVersion() else {
                    throw CLIError("\(store) has no announced.version: give --version" + location.namespaceHint())
                }
                target = announced
            } catch let error as FilesystemStoreError {
                throw CLIError(error.message)
            } catch let error as HTTPBlobError {
                throw CLIError(error.message)
            }
        }
        let loader = StateLoader(retriever: retriever, filter: filter)
        do {
            if let from { return try await loader.load(version: target, fromSnapshot: from) }
            return try await loader.load(version: target)
        } catch let error as RefreshError {
            throw CLIError("\(store): \(error.message)" + location.namespaceHint())
        }
    }
}
