import HollowCore
public import KeaEdge
public import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How kea-edge measures the DHCP server besides Kea's own statistics.
public enum CollectorMode: String, Sendable, CaseIterable {
    /// A tc classifier on the server's interface (default; ~1 µs of BPF time per packet, needs nothing from Kea).
    case tc
    /// uprobes in Kea's libraries, filtered by Kea's PID (opt-in; each hit traps for ~15-20 µs).
    case uprobe
}

/// What `kea-edge run` measures and how often.
public struct CollectorConfiguration: Sendable {
    /// The `source` of every state (primary key with the timestamp).
    public var source: String
    /// The DHCP server's interface for the tc program; nil: no packet measurements.
    public var interface: String?
    /// Kea's control channel; nil: no Kea statistics.
    public var kea: KeaControlEndpoint?
    /// Length of one interval.
    public var interval: Duration
    /// States kept in the rolling window.
    public var window: Int
    /// tc (default) or uprobe.
    public var mode: CollectorMode
    /// The compiled tc object; nil: searched with ``BPFObjectLocator``.
    public var bpfObjectPath: String?
    /// A DISCOVER/REQUEST without reply after this long counts as unanswered.
    public var unansweredTimeout: Duration

    /// Creates a configuration.
    public init(
        source: String, interface: String?, kea: KeaControlEndpoint?, interval: Duration = .seconds(10), window: Int = 60,
        mode: CollectorMode = .tc, bpfObjectPath: String? = nil, unansweredTimeout: Duration = .seconds(3)
    ) {
        self.source = source
        self.interface = interface
        self.kea = kea
        self.interval = interval
        self.window = window
        self.mode = mode
        self.bpfObjectPath = bpfObjectPath
        self.unansweredTimeout = unansweredTimeout
    }
}

/// Finds the compiled tc object (`dhcp_tc.bpf.o`).
public enum BPFObjectLocator {
    /// The tc object's file name (the uprobe object is `dhcp_uprobe.bpf.o`).
    public static let fileName = "dhcp_tc.bpf.o"

    /// Searches `explicit`, `$KEA_EDGE_BPF_DIR/<fileName>`, the executable's directory, and `.build-bpf/` in the
    /// directories above the executable (a development checkout built with `make`).
    /// - Returns: the path, or the list of places searched as the error text.
    public static func find(explicit: String?, fileName: String = BPFObjectLocator.fileName) -> Result<String, BPFError> {
        if let explicit {
            return SystemSupport.exists(explicit) ? .success(explicit) : .failure(BPFError("BPF object \(explicit) (--bpf-object)", ENOENT))
        }
        var searched: [String] = []
        if let env = getenv("KEA_EDGE_BPF_DIR") {
            let path = String(cString: env) + "/" + fileName
            if SystemSupport.exists(path) { return .success(path) }
            searched.append(path)
        }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 {
            var dir = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.endIndex)])
            let beside = dir + "/" + fileName
            if SystemSupport.exists(beside) { return .success(beside) }
            searched.append(beside)
            var up = dir
            for _ in 0..<6 {
                guard let slash = up.lastIndex(of: "/"), !up.isEmpty else { break }
                up = String(up[..<slash])
                let candidate = up + "/.build-bpf/" + fileName
                if SystemSupport.exists(candidate) { return .success(candidate) }
            }
            searched.append("<ancestors of \(dir)>/.build-bpf/\(fileName)")
        }
        return .failure(BPFError("no \(fileName) found (looked in \(searched.joined(separator: ", "))); build it with scripts/kea-build-bpf.sh or pass --bpf-object", ENOENT))
    }
}

/// DHCP message type names by option 53 value.
let dhcpMessageTypeNames: [Int: String] = [
    1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack", 6: "nak", 7: "release", 8: "inform",
    9: "forcerenew", 10: "leasequery", 11: "leaseunassigned", 12: "leaseunknown", 13: "leaseactive",
    14: "bulkleasequery", 15: "leasequerydone", 16: "activeleasequery", 17: "leasequerystatus", 18: "tls",
]

extension TCCounters {
    /// A log2 histogram (BCC layout) from slot counts: slots 1...highest used, zeros included.
    static func histogram(name: String, slots: [UInt64]) -> Metric {
        guard let highest = slots.lastIndex(where: { $0 > 0 }) else { return Metric(name: name, unit: "time (ns)", buckets: []) }
        var buckets: [MetricBucket] = []
        for i in 1...max(1, highest) {
            let lower: Int64 = i == 1 ? 0 : Int64(1) << (i - 1)
            let upper: Int64 = i >= 63 ? Int64.max : (Int64(1) << i) - 1
            buckets.append(MetricBucket(lower: lower, upper: upper, count: Int64(clamping: slots[i])))
        }
        return Metric(name: name, unit: "time (ns)", buckets: buckets)
    }

    /// What happened between `previous` and `self`, as metrics and aggregates.
    /// Aggregates are prefixed `tc_` or `uprobe_`; uprobe latencies are `kea_…_latency` (in-process).
    func interval(since previous: TCCounters, mode: CollectorMode) -> (metrics: [String: Metric], aggregates: [String: Int64]) {
        let p = mode.rawValue
        let latencyPrefix = mode == .tc ? "" : "kea_"
        func d(_ a: UInt64, _ b: UInt64) -> Int64 { Int64(clamping: a >= b ? a - b : a) }
        var aggregates: [String: Int64] = [:]
        for type in 1..<TCProgram.messageTypes {
            let name = dhcpMessageTypeNames[type] ?? "type_\(type)"
            let rx = d(received[type], previous.received[type])
            let tx = d(sent[type], previous.sent[type])
            if type <= 8 || rx > 0 { aggregates["\(p)_in_\(name)"] = rx }
            if type <= 8 || tx > 0 { aggregates["\(p)_out_\(name)"] = tx }
        }
        aggregates["\(p)_in_invalid"] = d(received[0], previous.received[0])
        aggregates["\(p)_malformed"] = d(malformed, previous.malformed)
        aggregates["\(p)_unmatched_reply"] = d(unmatchedReplies, previous.unmatchedReplies)
        aggregates["\(p)_retransmit"] = d(retransmits, previous.retransmits)
        aggregates["\(p)_pending_full"] = d(pendingFull, previous.pendingFull)
        aggregates["\(p)_bpf_run_ns"] = d(bpfRunTimeNanoseconds, previous.bpfRunTimeNanoseconds)
        aggregates["\(p)_bpf_run_count"] = d(bpfRunCount, previous.bpfRunCount)
        let dorSlots = zip(discoverOffer, previous.discoverOffer).map { $0 >= $1 ? $0 - $1 : $0 }
        let raSlots = zip(requestAck, previous.requestAck).map { $0 >= $1 ? $0 - $1 : $0 }
        let metrics = [
            "\(latencyPrefix)discover_offer_latency": Self.histogram(name: "\(latencyPrefix)discover_offer_latency", slots: dorSlots),
            "\(latencyPrefix)request_ack_latency": Self.histogram(name: "\(latencyPrefix)request_ack_latency", slots: raSlots),
        ]
        return (metrics, aggregates)
    }
}

/// The measuring loop of `kea-edge run`: each interval it reads the eBPF maps and Kea's statistics,
/// builds one ``MetricsState``, appends it to the rolling window and hands the window to the sink.
///
/// It keeps running when a source is missing (no BPF rights, no Kea socket), logging once what it is
/// not measuring and again when the source comes back. `run()` returns when its task is cancelled
/// (graceful shutdown), after publishing the last partial interval and detaching everything.
public struct EdgeCollector: Sendable {
    /// The configuration.
    public let configuration: CollectorConfiguration
    /// Where each window goes.
    public let sink: any MetricsSink
    /// The logger.
    public let logger: Logger

    /// States to start the window with (e.g. restored from the store), oldest first.
    public let initialWindow: [MetricsState]

    /// Where Kea's statistics and the latency histograms go for Prometheus (`--metrics-listen`); nil: nowhere.
    public let exposition: CollectorExposition?

    /// Creates a collector.
    public init(
        configuration: CollectorConfiguration, sink: any MetricsSink, logger: Logger, initialWindow: [MetricsState] = [],
        exposition: CollectorExposition? = nil
    ) {
        self.configuration = configuration
        self.sink = sink
        self.logger = logger
        self.initialWindow = initialWindow
        self.exposition = exposition
    }

    /// Measures and publishes until cancelled or, in a `ServiceGroup`, until graceful shutdown; the last partial
    /// interval is published before it returns.
    public func run() async {
        await cancelWhenGracefulShutdown { await self.measure() }
    }

    private func measure() async {
        let instruments = CollectorInstruments(source: configuration.source)
        let config = configuration
        var probe: (any PacketProbe)? = nil
        var probePID: Int64? = nil
        var reportedNoProbe = false
        if config.interface == nil && config.mode == .tc {
            logger.warning("not measuring DHCP packets: no --interface given")
            reportedNoProbe = true
        }
        defer { probe?.detach() }
        let kea = config.kea.map { KeaControlClient(endpoint: $0) }
        var keaTracker = KeaTracker()
        if let kea {
            _ = await keaTracker.sample(kea, logger: logger)  // the baseline: counters count from here
        } else {
            logger.warning("not reading Kea statistics: no --kea-socket or --kea-url given")
        }
        // (Re)attaches the packet probe: once for tc; for uprobes whenever Kea's PID changes.
        func ensureProbe() {
            switch config.mode {
            case .tc:
                guard probe == nil, !reportedNoProbe, let interface = config.interface else { return }
                probe = attachTC(interface: interface)
                reportedNoProbe = probe == nil
                if probe == nil { instruments.recordBPFError() }
                instruments.recordAttached(probe != nil, probe: config.mode.rawValue)
            case .uprobe:
                let pid = keaTracker.pid ?? UprobeProgram.findKeaPID().map(Int64.init)
                guard pid != probePID || (probe == nil && !reportedNoProbe) else { return }
                probe?.detach()
                probe = nil
                probePID = pid
                guard let pid else {
                    instruments.recordAttached(false, probe: config.mode.rawValue)
                    logger.error("not measuring Kea in-process timings (uprobe): no Kea PID (status-get failed and not exactly one kea-dhcp4 process runs)")
                    reportedNoProbe = true
                    return
                }
                probe = attachUprobes(pid: Int32(truncatingIfNeeded: pid))
                reportedNoProbe = probe == nil
                if probe == nil { instruments.recordBPFError() }
                instruments.recordAttached(probe != nil, probe: config.mode.rawValue)
            }
        }
        instruments.recordAttached(false, probe: config.mode.rawValue)
        ensureProbe()
        var previousPackets = probe?.read()
        var window = RollingWindow(capacity: config.window)
        for state in initialWindow where state.source == config.source { window.append(state) }
        var lastTimestamp = ""
        let timeoutNs = UInt64(config.unansweredTimeout.components.seconds) * 1_000_000_000
            + UInt64(config.unansweredTimeout.components.attoseconds / 1_000_000_000)
        while true {
            var stopping = false
            do { try await Task.sleep(for: config.interval) } catch { stopping = true }
            var state = MetricsState(timestamp: SystemSupport.nowTimestamp(), source: config.source)
            if state.timestamp == lastTimestamp {
                // Two intervals in one second (e.g. the last, partial one): keep the key unique.
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                state.timestamp = String(state.timestamp.dropLast()) + "." + String(1000 + ts.tv_nsec / 1_000_000).dropFirst() + "Z"
            }
            lastTimestamp = state.timestamp
            if let current = probe, let before = previousPackets {
                let now = current.read()
                let (metrics, aggregates) = now.interval(since: before, mode: config.mode)
                state.metrics.merge(metrics) { $1 }
                state.aggregates.merge(aggregates) { $1 }
                let swept = current.sweepUnanswered(timeoutNanoseconds: timeoutNs)
                let p = config.mode.rawValue
                state.aggregates["\(p)_unanswered_discover"] = Int64(swept.discovers)
                state.aggregates["\(p)_unanswered_request"] = Int64(swept.requests)
                state.aggregates["\(p)_pending"] = Int64(swept.stillPending)
                if let exposition {
                    func delta(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] { zip(a, b).map { $0 >= $1 ? $0 - $1 : $0 } }
                    func sumDelta(_ i: Int) -> UInt64 {
                        let (a, b) = (now.latencySumNanoseconds[i], before.latencySumNanoseconds[i])
                        return a >= b ? a - b : a
                    }
                    exposition.addLatency(
                        probe: p, exchange: "discover_offer", slots: delta(now.discoverOffer, before.discoverOffer),
                        sumNanoseconds: sumDelta(0))
                    exposition.addLatency(
                        probe: p, exchange: "request_ack", slots: delta(now.requestAck, before.requestAck),
                        sumNanoseconds: sumDelta(1))
                }
                previousPackets = now
            }
            if let kea, let aggregates = await keaTracker.sample(kea, logger: logger) {
                state.aggregates.merge(aggregates) { $1 }
                if let exposition, let latest = keaTracker.previous {
                    exposition.updateKea(latest, subnets: keaTracker.subnets, family: keaTracker.family)
                }
            } else if kea != nil {
                exposition?.clearKea()
            }
            if kea != nil { instruments.recordKeaUp(keaTracker.available == true) }
            if !stopping {
                let before = probePID
                ensureProbe()
                if probePID != before || previousPackets == nil { previousPackets = probe?.read() }
            }
            window.append(state)
            instruments.record(state)
            let publishStart = ContinuousClock.now
            do {
                try await sink.publish(window: window.states)
                instruments.recordPublish(duration: .now - publishStart, failed: false)
                instruments.recordPublished(unixTime: SystemSupport.unixTimeSeconds())
                logger.debug("published", metadata: ["state.timestamp": "\(state.timestamp)", "window.size": "\(window.states.count)"])
            } catch {
                instruments.recordPublish(duration: .now - publishStart, failed: true)
                logger.error("could not publish the interval ending \(state.timestamp): \(error)")
            }
            if stopping { break }
        }
        logger.info("collector stopped")
    }

    private func attachTC(interface: String) -> (any PacketProbe)? {
        switch BPFObjectLocator.find(explicit: configuration.bpfObjectPath) {
        case .failure(let error):
            logger.error("not measuring DHCP packets on \(interface): \(error)")
            return nil
        case .success(let path):
            do {
                return try TCProgram(interface: interface, objectPath: path, logger: logger)
            } catch {
                logger.error("not measuring DHCP packets on \(interface): \(error)")
                return nil
            }
        }
    }

    private func attachUprobes(pid: Int32) -> (any PacketProbe)? {
        switch BPFObjectLocator.find(explicit: configuration.bpfObjectPath, fileName: UprobeProgram.fileName) {
        case .failure(let error):
            logger.error("not measuring Kea in-process timings (uprobe): \(error)")
            return nil
        case .success(let path):
            do {
                return try UprobeProgram(pid: pid, objectPath: path, logger: logger)
            } catch {
                logger.error("not measuring Kea in-process timings (uprobe) for pid \(pid): \(error)")
                return nil
            }
        }
    }
}

/// What the collector needs from a packet-level probe (tc today, uprobes later).
protocol PacketProbe: Sendable {
    func read() -> TCCounters
    func sweepUnanswered(timeoutNanoseconds: UInt64) -> (discovers: Int, requests: Int, stillPending: Int)
    func detach()
}

extension TCProgram: PacketProbe {}

/// Kea statistics across intervals: baseline, restarts (a new PID resets every counter), availability.
struct KeaTracker {
    var previous: KeaStatistics?
    var pid: Int64?
    var available: Bool?
    /// Kea's subnets (from `config-get`), for the Prometheus labels; read again after a restart or when a
    /// statistic names a subnet not in it.
    var subnets: [Int64: KeaSubnet] = [:]
    var subnetsRead = false
    /// DHCPv4 or DHCPv6, from the statistics' names.
    var family: KeaExporterFormat.Family = .dhcp4

    /// Samples Kea; returns the interval's aggregates, or nil when Kea could not be read.
    mutating func sample(_ client: KeaControlClient, logger: Logger) async -> [String: Int64]? {
        do {
            let stats = try await client.statistics()
            let status = try? await client.send("status-get")
            let newPid = status?["pid"]?.int64
            var base = previous
            if let newPid, let pid, newPid != pid {
                logger.notice("Kea restarted (pid \(pid) → \(newPid)): its counters start again from 0")
                base = KeaStatistics(values: [:])
            }
            if available != true {
                logger.notice("reading Kea statistics from \(client.endpoint)")
            }
            available = true
            let out = stats.aggregates(since: base)
            previous = stats
            if let newPid { pid = newPid }
            family = stats.values.keys.contains { $0.hasPrefix("pkt6-") } ? .dhcp6 : .dhcp4
            let ids = Set(stats.values.keys.compactMap { KeaExporterFormat.subnetID(ofStatistic: $0) })
            if !subnetsRead || base?.values.isEmpty == true || !ids.isSubset(of: subnets.keys) {
                if let config = try? await client.send("config-get") {
                    subnets = KeaSubnet.all(inConfig: config)
                    subnetsRead = true
                }
            }
            return out
        } catch {
            if available != false {
                logger.warning("not measuring Kea statistics: \(error) (retrying every interval)")
            }
            available = false
            return nil
        }
    }
}
