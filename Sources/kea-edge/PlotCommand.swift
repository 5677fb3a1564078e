import ArgumentParser
import KeaEdge

/// `kea-edge plot`: SVG charts of metrics states plus an index.html.
struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Render each metric's histogram and each aggregate over the window as SVG, plus index.html."
    )

    @Option(help: "A MetricsState JSON file: one object, an array of objects, or JSON lines (one state per interval).")
    var json: String

    @Option(help: "Output directory (created when missing).")
    var out: String

    func run() async throws {
        let states: [MetricsState]
        do {
            states = try MetricsStateFile.parse(try SystemSupport.readText(json))
        } catch {
            throw ValidationError("\(json): \(error)")
        }
        if states.isEmpty { throw ValidationError("\(json): no MetricsState in the file") }
        let files = try SVGPlot.render(states: states, to: out)
        print("wrote \(files.count) files to \(out) (open \(out)/index.html)")
    }
}
