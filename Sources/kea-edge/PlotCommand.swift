import ArgumentParser
import HollowFilesystem
import KeaEdge

/// `kea-edge plot`: SVG charts of metrics states plus an index.html.
struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Render each metric's histogram and each aggregate over the window as SVG, plus index.html."
    )

    @Option(help: "A MetricsState JSON file: one object, an array of objects, or JSON lines (one state per interval).")
    var json: String?

    /// `--store` (plots the announced state's window) and `--namespace`.
    @OptionGroup var location: StoreLocationOptions

    @Option(help: "Output directory (created when missing).")
    var out: String

    func validate() throws {
        guard (json == nil) != (location.store == nil) else { throw ValidationError("give exactly one of --json FILE or --store DIR [--namespace NS]") }
    }

    func run() async throws {
        let states: [MetricsState]
        let origin = try json ?? location.location?.directory ?? ""
        do {
            if let json {
                states = try MetricsStateFile.parse(try SystemSupport.readText(json))
            } else if let store = try location.location {
                states = try await announcedStates(store)
            } else {
                states = []
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(origin): \(error)")
        }
        if states.isEmpty { throw ValidationError("\(origin): no MetricsState found") }
        let files = try SVGPlot.render(states: states, to: out)
        print("wrote \(files.count) files to \(out) (open \(out)/index.html)")
    }
}
