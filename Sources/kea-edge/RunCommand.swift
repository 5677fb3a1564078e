import ArgumentParser
import HollowOperations
import HollowCore
import KeaEdge
import KeaEdgeCollector
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `kea-edge run`: measures until SIGTERM and publishes each interval.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure the Kea server (eBPF + Kea statistics) every interval and publish a rolling window of states.",
        discussion: """
            Runs until SIGTERM/SIGINT, then publishes the last partial interval and detaches every tc filter
            (and the clsact qdisc it created). Keeps serving when a source is missing (no BPF rights, no Kea
            socket) and logs what it is not measuring.
            """
    )

    @Option(help: "The DHCP server's interface (tc mode attaches to its ingress and egress).")
    var interface: String?

    @OptionGroup var kea: KeaOptions

    @OptionGroup var storeOptions: StoreOptions

    /// `--send mqtt://central …`: also (or only) send each interval to a central aggregator.
    @OptionGroup var sendOptions: SendOptions

    @Option(help: "Seconds per interval.")
    var interval: Int = 10

    @Option(help: "tc (default) or uprobe.")
    var mode: String = "tc"

    @Option(help: "Source name of the states (default: this host's name).")
    var source: String?

    @Option(help: "Number of intervals kept in the published window.")
    var window: Int = 60

    @Option(help: "Append each interval's state as one JSON line to this file.")
    var jsonLines: String?

    @Option(help: "The compiled BPF object of the mode: dhcp_tc.bpf.o or dhcp_uprobe.bpf.o (default: in $KEA_EDGE_BPF_DIR, beside the executable, or .build-bpf/).")
    var bpfObject: String?

    @Option(help: "Seconds after which a DISCOVER/REQUEST without reply counts as unanswered.")
    var unansweredTimeout: Int = 3

    @OptionGroup var logging: LoggingOptions
    @OptionGroup var metricsOptions: MetricsOptions

    func validate() throws {
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard CollectorMode(rawValue: mode) != nil else { throw ValidationError("--mode must be tc or uprobe, not '\(mode)'") }
        guard storeOptions.store != nil || jsonLines != nil || sendOptions.enabled else {
            throw ValidationError(
                "nowhere to publish: give --store DIR [--namespace NS], --send mqtt://central and/or --json-lines FILE")
        }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "kea-edge")
        let registry = metricsOptions.bootstrap()
        var sinks: [any MetricsSink] = []
        if let jsonLines { sinks.append(JSONLinesSink(path: jsonLines)) }
        var restored: [MetricsState] = []
        if let hollow = try await storeOptions.sink(logger: logger) {
            sinks.append(hollow.sink)
            restored = hollow.restored
        }
        let source = self.source ?? SystemSupport.hostName()
        // Sending: the client first and the delivery before the collector, so at shutdown (reverse order) the
        // collector spools its last interval, the delivery sends it, and then the client disconnects.
        var sendServices: [any Service] = []
        if sendOptions.enabled {
            let client = try sendOptions.makeClient(source: source, logger: logger)
            let spool = try sendOptions.makeSpool(source: source, logger: logger)
            if spool.count > 0 { logger.info("\(spool.count) undelivered intervals in the spool are sent first") }
            sinks.append(SpoolSink(spool: spool))
            sendServices = [
                client,
                SpoolDeliveryService(
                    spool: spool, transport: try sendOptions.makeTransport(client: client), flushTimeout: sendOptions.timeout,
                    logger: logger),
            ]
        }
        let config = CollectorConfiguration(
            source: source,
            interface: interface,
            kea: try kea.endpoints,
            interval: .seconds(interval),
            window: window,
            mode: CollectorMode(rawValue: mode) ?? .tc,
            bpfObjectPath: bpfObject,
            unansweredTimeout: .seconds(unansweredTimeout)
        )
        let exposition = registry == nil ? nil : CollectorExposition(source: config.source)
        let collector = EdgeCollector(
            configuration: config, sink: FanOutSink(sinks), logger: logger, initialWindow: restored, exposition: exposition)
        var services: [any Service] = sendServices + [collector]
        if let registry, let exposition, let listen = metricsOptions.metricsListen {
            services.append(
                try PrometheusExporter.makeService(
                    listen: listen, registry: registry, appending: { exposition.render() }, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// `kea-edge stats`: one `statistic-get-all` per Kea server, printed as JSON.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print Kea's statistics (statistic-get-all: newest value of each) as JSON.",
        discussion: """
            With one server: an object of statistic names and values. With several (two --kea-socket, or \
            --kea-service dhcp4 --kea-service dhcp6): an object with one such object per server, keyed by its socket \
            path or its service. A server that cannot be read is named on standard error and the exit status is 1 \
            (the servers that could be read are still printed).
            """
    )

    @OptionGroup var kea: KeaOptions

    func validate() throws {
        guard !kea.keaSocket.isEmpty || kea.keaURL != nil else { throw ValidationError("give --kea-socket PATH or --kea-url http://HOST:PORT") }
    }

    func run() async throws {
        let endpoints = try kea.endpoints
        var read: [String: JSONValue] = [:]
        var failures: [String] = []
        for endpoint in endpoints {
            do {
                let stats = try await KeaControlClient(endpoint: endpoint).statistics()
                read[Self.key(endpoint)] = JSONValue(sortingKeys: stats.values.mapValues { .int($0) })
            } catch {
                failures.append(endpoints.count == 1 ? "\(error)" : "\(endpoint): \(error)")
            }
        }
        if endpoints.count == 1 {
            if let only = read.values.first { print(only.prettyPrinted()) }
        } else if !read.isEmpty {
            print(JSONValue(sortingKeys: read).prettyPrinted())
        }
        if !failures.isEmpty {
            if read.isEmpty { throw ValidationError(failures.joined(separator: "\n")) }
            let text = "Error: " + failures.joined(separator: "\nError: ") + "\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
            throw ExitCode.failure
        }
    }

    /// A server's key in the output: its socket path, or its service behind the control agent.
    static func key(_ endpoint: KeaControlEndpoint) -> String {
        switch endpoint {
        case .unixSocket(let path): return path
        case .controlAgent(let agent): return agent.service
        }
    }
}
