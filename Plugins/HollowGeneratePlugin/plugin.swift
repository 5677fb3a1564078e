import Foundation
import PackagePlugin

/// Generates a typed Swift API from each `.hollow` schema file of a target at build time, so a consumer
/// package needs no checked-in generated code. `Movies.hollow` becomes the API root class `MoviesAPI`
/// (in `Movies+Hollow.swift`, in the build directory).
@main
struct HollowGeneratePlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let source = target as? SourceModuleTarget else { return [] }
        let tool = try context.tool(named: "hollow-codegen")
        return source.sourceFiles(withSuffix: "hollow").map { file in
            let stem = file.url.deletingPathExtension().lastPathComponent
            let output = context.pluginWorkDirectoryURL.appending(path: "\(stem)+Hollow.swift")
            return .buildCommand(
                displayName: "Generating the Hollow API of \(file.url.lastPathComponent)",
                executable: tool.url,
                arguments: ["--schema", file.url.path(), "--output", output.path(), "--api-name", apiName(stem)],
                inputFiles: [file.url],
                outputFiles: [output])
        }
    }

    /// `movies` → `MoviesAPI`, `kitchen-sink` → `Kitchen_sinkAPI`.
    private func apiName(_ stem: String) -> String {
        let cleaned = String(stem.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        let first = cleaned.prefix(1).uppercased()
        return (first.first?.isNumber == true ? "_" : "") + first + cleaned.dropFirst() + "API"
    }
}
