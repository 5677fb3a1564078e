import ArgumentParser
import HollowFilesystem
import HollowMQTT
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
    /// `--send mqtt://central …`: spool the state and send it (with anything still spooled) to a central aggregator.
    @OptionGroup var sendOptions: SendOptions
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
        } else if storeOptions.store == nil && !sendOptions.enabled {
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
        if sendOptions.enabled { try await send(state, logger: logger) }
    }

    /// Spools the state, then sends the spool oldest first; what the broker does not acknowledge in time stays
    /// spooled for the next run (not an error: the edge catches up later).
    private func send(_ state: MetricsState, logger: Logger) async throws {
        let spool = try sendOptions.makeSpool(source: state.source, logger: logger)
        do { try spool.append(state) } catch { throw ValidationError("--spool: \(error)") }
        let client = try sendOptions.makeClient(source: state.source, logger: logger)
        let transport = try sendOptions.makeTransport(client: client)
        let report = await spool.deliverPending(through: transport, deadline: .now + sendOptions.timeout)
        await client.shutdown()
        let rejected = report.rejected > 0 ? ", \(report.rejected) refused by the broker" : ""
        let reason = report.failure.map { " (\($0))" } ?? ""
        print("sent \(report.delivered) intervals\(rejected); \(spool.count) left in the spool\(reason)")
        if report.rejected > 0 { throw ExitCode(3) }
    }
}
