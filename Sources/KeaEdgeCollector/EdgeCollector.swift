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
    /// Kea's control channels, one per server (kea-dhcp4, kea-dhcp6; the family is read from the statistics'
    /// names); empty: no Kea statistics.
    public var kea: [KeaControlEndpoint]
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
        source: String, interface: String?, kea: [KeaControlEndpoint], interval: Duration = .seconds(10), window: Int = 60,
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

/// DHCPv6 message type names by msg-type value (RFC 8415, 5007, 5460, 7341, 7653, 8156); RELAY-FORW (12) and
/// RELAY-REPL (13) are unwrapped by the tc program, never counted as such.
let dhcp6MessageTypeNames: [Int: String] = [
    1: "solicit", 2: "advertise", 3: "request", 4: "confirm", 5: "renew", 6: "rebind", 7: "reply", 8: "release",
    9: "decline", 10: "reconfigure", 11: "infrequest", 14: "leasequery", 15: "leasequery_reply",
    16: "leasequery_done", 17: "leasequery_data", 18: "reconfigure_request", 19: "reconfigure_reply",
    20: "dhcpv4_query", 21: "dhcpv4_response", 22: "activeleasequery", 23: "starttls", 24: "bndupd", 25: "bndreply",
    26: "poolreq", 27: "poolresp", 28: "updreq", 29: "updreqall", 30: "upddone", 31: "connect",
]

extension KeaExporterFormat.Family {
    /// What the collector's names carry for the family: `""` for DHCPv4 (the names kea-edge had before DHCPv6),
    /// `"v6_"` for DHCPv6 (`tc_in_v6_solicit`, `tc_v6_malformed`).
    var aggregateInfix: String { self == .dhcp4 ? "" : "v6_" }
    /// Message type names by value.
    var messageTypeNames: [Int: String] { self == .dhcp4 ? dhcpMessageTypeNames : dhcp6MessageTypeNames }
    /// Types whose aggregates are always present once the family is measured.
    var commonTypes: ClosedRange<Int> { self == .dhcp4 ? 1...8 : 1...11 }
    /// The timed exchanges, in the order of ``TCCounters/Family/latencySlots``: histogram names and Prometheus
    /// `exchange` labels.
    var exchanges: [String] { TCProgram.exchanges(of: self).map { $0.name } }
}

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

    /// The families to publish: DHCPv4 always (the names kea-edge always had), DHCPv6 once it has seen a packet
    /// (a DHCPv4-only server's states stay as they were).
    var measuredFamilies: [KeaExporterFormat.Family] { v6.isEmpty ? [.dhcp4] : [.dhcp4, .dhcp6] }

    /// What happened between `previous` and `self`, as metrics and aggregates.
    /// Aggregates are prefixed `tc_` or `uprobe_` (DHCPv6: `tc_in_v6_<type>`, `tc_v6_<event>`); uprobe latencies are
    /// `kea_…_latency` (in-process).
    func interval(since previous: TCCounters, mode: CollectorMode) -> (metrics: [String: Metric], aggregates: [String: Int64]) {
        let p = mode.rawValue
        let latencyPrefix = mode == .tc ? "" : "kea_"
        func d(_ a: UInt64, _ b: UInt64) -> Int64 { Int64(clamping: a >= b ? a - b : a) }
        var aggregates: [String: Int64] = [:]
        var metrics: [String: Metric] = [:]
        for family in measuredFamilies {
            let now = self[family], before = previous[family]
            let v = family.aggregateInfix
            for type in 1..<TCProgram.messageTypes {
                let name = family.messageTypeNames[type] ?? "type_\(type)"
                let rx = d(now.received[type], before.received[type])
                let tx = d(now.sent[type], before.sent[type])
                if family.commonTypes.contains(type) || rx > 0 { aggregates["\(p)_in_\(v)\(name)"] = rx }
                if family.commonTypes.contains(type) || tx > 0 { aggregates["\(p)_out_\(v)\(name)"] = tx }
            }
            aggregates["\(p)_in_\(v)invalid"] = d(now.received[0], before.received[0])
            aggregates["\(p)_\(v)malformed"] = d(now.malformed, before.malformed)
            aggregates["\(p)_\(v)unmatched_reply"] = d(now.unmatchedReplies, before.unmatchedReplies)
            aggregates["\(p)_\(v)retransmit"] = d(now.retransmits, before.retransmits)
            aggregates["\(p)_\(v)pending_full"] = d(now.pendingFull, before.pendingFull)
            if family == .dhcp6 {
                aggregates["\(p)_v6_relayed_in"] = d(now.relayedIn, before.relayedIn)
                aggregates["\(p)_v6_relayed_out"] = d(now.relayedOut, before.relayedOut)
            }
            for (e, exchange) in family.exchanges.enumerated() {
                let slots = zip(now.latencySlots[e], before.latencySlots[e]).map { $0 >= $1 ? $0 - $1 : $0 }
                let name = "\(latencyPrefix)\(exchange)_latency"
                metrics[name] = Self.histogram(name: name, slots: slots)
            }
        }
        aggregates["\(p)_bpf_run_ns"] = d(bpfRunTimeNanoseconds, previous.bpfRunTimeNanoseconds)
        aggregates["\(p)_bpf_run_count"] = d(bpfRunCount, previous.bpfRunCount)
        return (metrics, aggregates)
    }

    /// The sweep's aggregates: `<p>_unanswered_discover`, `<p>_unanswered_request`, `<p>_pending` (DHCPv4) and, when
    /// DHCPv6 is measured, `<p>_v6_unanswered_<request>` for each request of ``TCProgram/requests(of:)`` (solicit,
    /// request, renew, rebind, confirm, release, decline, infrequest) and `<p>_v6_pending`.
    func sweepAggregates(_ sweep: UnansweredSweep, mode: CollectorMode) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for family in measuredFamilies {
            let f = family == .dhcp4 ? 0 : 1
            let v = family.aggregateInfix
            for (kind, request) in TCProgram.requests(of: family) {
                out["\(mode.rawValue)_\(v)unanswered_\(request)"] = Int64(kind < sweep.unanswered.count ? sweep.unanswered[kind] : 0)
            }
            out["\(mode.rawValue)_\(v)pending"] = Int64(sweep.stillPending[f])
        }
        return out
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
        let keas = config.kea.map { KeaControlClient(endpoint: $0) }
        var keaTrackers = Array(repeating: KeaTracker(), count: keas.count)
        for i in keas.indices {
            _ = await keaTrackers[i].sample(keas[i], logger: logger)  // the baseline: counters count from here
        }
        if keas.isEmpty {
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
                let pid = keaTrackers.first(where: { $0.family == .dhcp4 })?.pid ?? UprobeProgram.findKeaPID().map(Int64.init)
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
                state.aggregates.merge(now.sweepAggregates(swept, mode: config.mode)) { $1 }
                if let exposition {
                    func delta(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] { zip(a, b).map { $0 >= $1 ? $0 - $1 : $0 } }
                    for family in now.measuredFamilies {
                        let (a, b) = (now[family], before[family])
                        for (e, exchange) in family.exchanges.enumerated() {
                            let sum = a.latencySumNanoseconds[e], sumBefore = b.latencySumNanoseconds[e]
                            exposition.addLatency(
                                probe: config.mode.rawValue, exchange: exchange, slots: delta(a.latencySlots[e], b.latencySlots[e]),
                                sumNanoseconds: sum >= sumBefore ? sum - sumBefore : sum)
                        }
                    }
                }
                previousPackets = now
            }
            for i in keas.indices {
                if let aggregates = await keaTrackers[i].sample(keas[i], logger: logger) {
                    state.aggregates.merge(aggregates) { $1 }
                    if let exposition, let latest = keaTrackers[i].previous, let family = keaTrackers[i].family {
                        exposition.updateKea(latest, subnets: keaTrackers[i].subnets, family: family)
                    }
                } else if let family = keaTrackers[i].family {
                    exposition?.clearKea(family: family)
                }
            }
            if !keas.isEmpty { instruments.recordKeaUp(keaTrackers.allSatisfy { $0.available == true }) }
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
    func sweepUnanswered(timeoutNanoseconds: UInt64) -> UnansweredSweep
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
    /// DHCPv4 or DHCPv6, from the statistics' names; nil until Kea was read once.
    var family: KeaExporterFormat.Family?

    /// Samples Kea; returns the interval's aggregates, or nil when Kea could not be read. A DHCPv6 server's
    /// statistics are named `dhcp6.<Kea's name>` (kea-dhcp4 and kea-dhcp6 share names such as
    /// `subnet[1].declined-addresses`); a DHCPv4 server's keep Kea's names.
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
            let family: KeaExporterFormat.Family = stats.values.keys.contains { $0.hasPrefix("pkt6-") } ? .dhcp6 : .dhcp4
            self.family = family
            let out = stats.aggregates(since: base, namePrefix: family == .dhcp6 ? "dhcp6." : "")
            previous = stats
            if let newPid { pid = newPid }
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
