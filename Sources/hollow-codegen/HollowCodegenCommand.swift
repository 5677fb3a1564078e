import ArgumentParser
import HollowCodeGen

/// The generator the `HollowGeneratePlugin` build-tool plugin runs: one `.hollow` schema file in, one Swift
/// file out. `hollow generate` is the user-facing command with more sources (stores) and per-type files.
@main
struct HollowCodegenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hollow-codegen",
        abstract: "Generate a typed Swift API from a Hollow schema file into one Swift source file.")

    @Option(help: "The schema file (Hollow's schema language).")
    var schema: String

    @Option(help: "The Swift file to write.")
    var output: String

    @Option(help: "The name of the generated API root class.")
    var apiName: String = "HollowAPI"

    func run() throws {
        do throws(HollowCodeGenError) {
            let schemas = try HollowAPIGenerator.readSchemas(file: schema)
            try HollowAPIGenerator(schemas: schemas, apiName: apiName).writeSingleFile(to: output)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
