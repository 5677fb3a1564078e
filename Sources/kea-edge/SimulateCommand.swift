import ArgumentParser
import HollowCore
import HollowMQTT
import HollowOperations
import KeaEdge
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `kea-edge simulate`: many edges in one process, each sending the same BCC sample as its interval through the
/// path of `kea-edge run --send` (its own persistent-session client, spool and in-order delivery). A load generator
/// for a central aggregator (scripts/aggregate-latency.sh measures with it).
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate edges sending intervals (a BCC sample file) to a central aggregator, through the real send path.",
        discussion: """
            Edge i is named PREFIX-i and spools in SPOOL/PREFIX-i. Every edge ends an interval at the same instants
            (multiples of --interval on the wall clock), stamped with millisecond precision, spools it and sends it.
            Prints one line per interval: its end (epoch ms) and how many edges the broker acknowledged by then.
            """
    )

    @Argument(help: "The BCC script's output (text) every simulated interval carries.")
    var file: String

    @Option(help: "Number of simulated edges (each one MQTT connection; at most ~300 per process).")
    var edges: Int = 3

    @Option(help: "Number of intervals each edge sends.")
    var intervals: Int = 10

    @Option(help: "Seconds per interval.")
    var interval: Double = 1

    @Option(help: "Source name prefix: the edges are PREFIX-1 … PREFIX-N.")
    var sourcePrefix: String = "sim-edge"

    @OptionGroup var sendOptions: SendOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard sendOptions.enabled else { throw ValidationError("--send mqtt://central is required") }
        guard (1...300).contains(edges) else { throw ValidationError("--edges must be 1…300") }
        guard intervals >= 1, interval >= 0.05 else { throw ValidationError("--intervals ≥ 1 and --interval ≥ 0.05") }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "kea-edge", defaultLevel: .warning)
        let report: BCCReport
        do { report = try BCCReport.parse(try SystemSupport.readText(file)) } catch { throw ValidationError("\(file): \(error)") }
        struct Edge: Sendable {
            let source: String
            let spool: IntervalSpool
            let transport: MQTTIntervalTransport
        }
        var all: [Edge] = []
        for i in 1...edges {
            let source = "\(sourcePrefix)-\(i)"
            var options = sendOptions
            options.spool = "\(sendOptions.spool)/\(source)"
            let client = try options.makeClient(source: source, logger: logger)
            try client.start()
            all.append(Edge(source: source, spool: try options.makeSpool(source: source, logger: logger), transport: try options.makeTransport(client: client)))
        }
        for edge in all { try await edge.transport.client.waitUntilConnected(timeout: .seconds(30)) }
        let step = Int64(interval * 1000)
        var next = (Self.epochMillis() / step + 1) * step
        for _ in 0..<intervals {
            let wait = next - Self.epochMillis()
            if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
            let timestamp = Self.isoMillis(next)
            let delivered = await withTaskGroup(of: Int.self) { group in
                for edge in all {
                    group.addTask {
                        let state = report.metricsState(source: edge.source, timestamp: timestamp)
                        do { try edge.spool.append(state) } catch { return 0 }
                        return await edge.spool.deliverPending(through: edge.transport).delivered
                    }
                }
                return await group.reduce(0, +)
            }
            print("interval \(timestamp) endEpochMs \(next) delivered \(delivered) ackedAfterMs \(Self.epochMillis() - next)")
            next += step
        }
        for edge in all { await edge.transport.client.shutdown() }
    }

    static func epochMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `2026-11-22T12:00:00.250Z` for epoch milliseconds.
    static func isoMillis(_ ms: Int64) -> String {
        let base = SystemSupport.isoTimestamp(epochSeconds: Int(ms / 1000))
        let frac = String(ms % 1000)
        return String(base.dropLast()) + "." + String(repeating: "0", count: 3 - frac.count) + frac + "Z"
    }
}
