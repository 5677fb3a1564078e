import ArgumentParser
import KeaEdge

/// `kea-edge plot`: SVG charts of metrics states plus an index.html.
struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Render each metric's histogram and each aggregate over the window as SVG, plus index.html."
    )

    @Option(help: "A MetricsState JSON file: one object, an array of objects, or JSON lines (one state per interval).")
    var json: String?

    @Option(help: "A Hollow store directory: plots the announced state's window.")
    var store: String?

    @Option(help: "Hollow namespace within the store.")
    var namespace: String = "kea-edge"

    @Option(help: "Output directory (created when missing).")
    var out: String

    func validate() throws {
        guard (json == nil) != (store == nil) else { throw ValidationError("give exactly one of --json FILE or --store DIR [--namespace NS]") }
    }

    func run() async throws {
        let states: [MetricsState]
        let origin = json ?? "\(store ?? "")/\(namespace)"
        do {
            if let json {
                states = try MetricsStateFile.parse(try SystemSupport.readText(json))
            } else {
                states = try await announcedStates(store: store ?? "", namespace: namespace)
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
