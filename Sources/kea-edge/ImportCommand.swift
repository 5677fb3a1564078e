import ArgumentParser
import HollowFilesystem
import HollowOperations
import KeaEdge
import Logging

/// `kea-edge import FILE`: converts the seeds' BCC script output to a MetricsState.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read the output of the seeds' BCC script (kea_metrics.py) and write it as MetricsState JSON."
    )

    @Argument(help: "The BCC script's output (text).")
    var file: String

    @Option(help: "Source name recorded in the state (default: this host's name).")
    var source: String?

    @Option(help: "ISO 8601 timestamp recorded in the state (default: now, UTC).")
    var timestamp: String?

    @Option(help: "Write the JSON here (default: standard output).")
    var json: String?

    @Option(help: "Also append the state as one JSON line to this file (the JSON-lines sink).")
    var jsonLines: String?

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "States kept in the store's window (the imported one is added to the announced ones).")
    var window: Int = 60

    func run() async throws {
        let text: String
        do { text = try SystemSupport.readText(file) } catch { throw ValidationError("\(error)") }
        let report: BCCReport
        do {
            report = try BCCReport.parse(text)
        } catch {
            throw ValidationError("\(file): \(error)")
        }
        let state = report.metricsState(
            source: source ?? SystemSupport.hostName(),
            timestamp: timestamp ?? SystemSupport.nowTimestamp()
        )
        if let json {
            try SystemSupport.writeText(json, state.prettyJSON())
        } else if storeOptions.store == nil {
            print(state.prettyJSON())
        }
        let logger = logging.bootstrap(label: "kea-edge")
        if let hollow = try await storeOptions.sink(logger: logger) {
            var window = RollingWindow(capacity: self.window)
            for s in hollow.restored { window.append(s) }
            window.append(state)
            try await hollow.sink.publish(window: window.states)
            let directory = try storeOptions.location.location?.directory ?? ""
            print("published \(state.source) \(state.timestamp) to \(directory)")
        }
        if let jsonLines {
            let sink = JSONLinesSink(path: jsonLines)
            try await sink.publish(window: [state])
        }
    }
}
