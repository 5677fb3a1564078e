import ArgumentParser
import HollowCodeGen
import HollowCore

/// `hollow generate`: write a typed Swift API for a schema file or for the announced state of a store.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a typed Swift API (views, collections, primary-key indexes) from Hollow schemas.",
        discussion: """
            Give --schema FILE (Hollow's schema language) or --store DIR [--namespace NS] (the schemas of the \
            announced state). Writes one Swift file per type plus the API root into --output. In a package, the \
            HollowGeneratePlugin build-tool plugin does the same from a .hollow file at build time.
            """)

    @Option(help: "A schema file in Hollow's schema language.")
    var schema: String?

    @Option(help: "A filesystem blob store: generate for the schemas of its announced state.")
    var store: String?

    @Option(help: "The namespace (subdirectory) of the store.")
    var namespace: String?

    @Option(help: "The directory to write the Swift files into (created if missing).")
    var output: String

    @Option(help: "The name of the generated API root class.")
    var apiName: String = "HollowAPI"

    func validate() throws {
        guard (schema == nil) != (store == nil) else { throw ValidationError("give exactly one of --schema and --store") }
        if namespace != nil && store == nil { throw ValidationError("--namespace needs --store") }
    }

    func run() async throws {
        do {
            let schemas: [HollowSchema]
            if let schema {
                schemas = try HollowAPIGenerator.readSchemas(file: schema)
            } else {
                schemas = try await Self.announcedSchemas(store: store ?? "", namespace: namespace)
            }
            let written = try HollowAPIGenerator(schemas: schemas, apiName: apiName).write(to: output)
            print("wrote \(written.count) files for \(schemas.count) types to \(output)")
        } catch let error as HollowCodeGenError {
            throw failure(error.description)
        } catch let error as CLIError {
            throw failure(error.description)
        }
    }

    /// The schemas of the announced state of a store, loaded through the one store path (`Dump.load`).
    static func announcedSchemas(store: String, namespace: String?) async throws -> [HollowSchema] {
        let options = try StoreOptions.parse(["--store", store] + (namespace.map { ["--namespace", $0] } ?? []))
        return try await Dump.load(options, version: nil, from: nil).state.schemas
    }
}
