internal import CBPF
public import KeaEdge
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Loading, attaching or reading the eBPF programs failed.
public struct BPFError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being done.
    public var operation: String
    /// The (positive) errno of the failure.
    public var errno: Int32
    /// A sentence with the cause and what to check.
    public var description: String {
        var text = "\(operation): \(String(cString: strerror(errno)))"
        if errno == EPERM || errno == EACCES {
            text += " (eBPF needs root, or CAP_BPF + CAP_NET_ADMIN (+ CAP_PERFMON for uprobes))"
        }
        return text
    }

    init(_ operation: String, _ code: Int32) {
        self.operation = operation
        self.errno = code < 0 ? -code : code
    }
}

/// Cumulative counters read from the tc program's maps (sums over all CPUs), per DHCP family.
public struct TCCounters: Sendable, Hashable {
    /// The counters of one family (DHCPv4 or DHCPv6); the tc program keeps the same layout for both.
    public struct Family: Sendable, Hashable {
        /// Messages received by the server (ingress) by message type (DHCPv4: option 53; DHCPv6: msg-type of the
        /// relayed message inside any RELAY-FORW), index 0..31.
        public var received: [UInt64] = Array(repeating: 0, count: TCProgram.messageTypes)
        /// Messages sent by the server (egress) by message type.
        public var sent: [UInt64] = Array(repeating: 0, count: TCProgram.messageTypes)
        /// Malformed packets, unmatched replies, retransmitted requests, requests not tracked (map full).
        public var malformed: UInt64 = 0, unmatchedReplies: UInt64 = 0, retransmits: UInt64 = 0, pendingFull: UInt64 = 0
        /// DHCPv6 messages that arrived in a RELAY-FORW / left in a RELAY-REPL (0 for DHCPv4).
        public var relayedIn: UInt64 = 0, relayedOut: UInt64 = 0
        /// log2 slots (BCC layout) of each timed exchange's latency in ns, in the order of
        /// ``TCProgram/exchanges(of:)``: DHCPv4 [0] DISCOVER→OFFER, [1] REQUEST→ACK/NAK; DHCPv6 [0] SOLICIT→ADVERTISE,
        /// [1] REQUEST→REPLY, then SOLICIT→REPLY (rapid commit), RENEW, REBIND, CONFIRM, RELEASE, DECLINE and
        /// INFORMATION-REQUEST→REPLY.
        public var latencySlots: [[UInt64]]
        /// Sums (ns) of the latencies counted in ``latencySlots`` (a Prometheus histogram's `_sum`).
        public var latencySumNanoseconds: [UInt64]

        /// Creates zero counters for `family` (DHCPv4 when not given).
        public init(family: KeaExporterFormat.Family = .dhcp4) {
            let exchanges = TCProgram.exchanges(of: family).count
            latencySlots = Array(repeating: Array(repeating: 0, count: TCProgram.histogramSlots), count: exchanges)
            latencySumNanoseconds = Array(repeating: 0, count: exchanges)
        }

        /// Whether the family saw any packet.
        public var isEmpty: Bool {
            malformed == 0 && received.allSatisfy { $0 == 0 } && sent.allSatisfy { $0 == 0 }
        }
    }

    /// DHCPv4 counters.
    public var v4 = Family()
    /// DHCPv6 counters.
    public var v6 = Family(family: .dhcp6)
    /// BPF run time (ns) and runs of both programs; non-zero only with kernel.bpf_stats_enabled=1.
    public var bpfRunTimeNanoseconds: UInt64 = 0, bpfRunCount: UInt64 = 0

    /// The counters of `family`.
    public subscript(family: KeaExporterFormat.Family) -> Family {
        get { family == .dhcp4 ? v4 : v6 }
        set { if family == .dhcp4 { v4 = newValue } else { v6 = newValue } }
    }

    /// Creates zero counters.
    public init() {}
}

/// Requests removed from the pending map by a sweep, by request, and those still waiting, by family.
public struct UnansweredSweep: Sendable, Hashable {
    /// Removed unanswered requests by the pending map's kind (``TCProgram/requests(of:)``): 0 DISCOVER, 1 REQUEST
    /// (DHCPv4), 2 SOLICIT, 3 REQUEST, 5 RENEW, 6 REBIND, 7 CONFIRM, 8 RELEASE, 9 DECLINE, 10 INFORMATION-REQUEST
    /// (DHCPv6).
    public var unanswered: [Int] = Array(repeating: 0, count: TCProgram.exchangeRows)
    /// Requests still waiting for a reply: [DHCPv4, DHCPv6].
    public var stillPending: [Int] = [0, 0]

    /// Creates an empty sweep.
    public init() {}
}

/// The tc classifier of kea-edge, loaded and attached to one interface's clsact ingress and egress hooks.
///
/// `detach()` (also run by `deinit`) removes exactly what was attached: the two filters, and the clsact
/// qdisc when this program created it.
public final class TCProgram: Sendable {
    static let messageTypes = 32
    static let histogramSlots = 64
    /// Rows of the latency histogram map, one per exchange (`EXCHANGES` in dhcp_tc.bpf.c).
    static let exchangeRows = 11
    /// Entries of the stats map: 8 per family, then one latency sum per exchange row (rows 0-3 keep theirs in
    /// their family's part).
    static let statEntries = 16 + exchangeRows

    /// The exchanges the tc program times for `family`: the histogram row (`EXCHANGE_…` in dhcp_tc.bpf.c) and the
    /// name (metric `<name>_latency`, Prometheus label `exchange`). The first two are the ones kea-edge always had.
    public static func exchanges(of family: KeaExporterFormat.Family) -> [(row: Int, name: String)] {
        switch family {
        case .dhcp4: return [(0, "discover_offer"), (1, "request_ack")]
        case .dhcp6:
            return [
                (2, "solicit_advertise"), (3, "request_reply"), (4, "solicit_reply"), (5, "renew_reply"), (6, "rebind_reply"),
                (7, "confirm_reply"), (8, "release_reply"), (9, "decline_reply"), (10, "infrequest_reply"),
            ]
        }
    }

    /// The requests the tc program keeps pending until their reply: the pending map's kind and the request's name
    /// (as in `tc_unanswered_<name>`). A DHCPv6 SOLICIT (kind 2) ends with an ADVERTISE or, rapid commit, a REPLY.
    public static func requests(of family: KeaExporterFormat.Family) -> [(kind: Int, name: String)] {
        switch family {
        case .dhcp4: return [(0, "discover"), (1, "request")]
        case .dhcp6:
            return [
                (2, "solicit"), (3, "request"), (5, "renew"), (6, "rebind"), (7, "confirm"), (8, "release"), (9, "decline"),
                (10, "infrequest"),
            ]
        }
    }
    /// tc filter handle and priority of kea-edge's filters (chosen to stay clear of other users).
    public static let filterHandle: UInt32 = 0x4B45, filterPriority: UInt32 = 0xC0DE

    /// The interface the program is attached to.
    public let interface: String
    /// Its index.
    public let ifindex: Int32
    // Owned libbpf handle; only used under `state`'s lock or after detach from deinit.
    private nonisolated(unsafe) let object: OpaquePointer
    private let ingressFD: Int32, egressFD: Int32
    private let maps: DHCPCounterMaps
    private let createdQdisc: Bool
    private let state = Mutex(State())
    private struct State { var attached = true; var closed = false }

    /// Loads the object at `objectPath` and attaches it to `interface` (ingress and egress).
    /// - Throws: ``BPFError`` naming the step that failed (open, load, attach) and the cause.
    public init(interface: String, objectPath: String, logger: Logger) throws(BPFError) {
        CBPF_set_print(0)
        let index = if_nametoindex(interface)
        if index == 0 { throw BPFError("interface \(interface) not found", errno) }
        guard let obj = bpf_object__open_file(objectPath, nil) else { throw BPFError("open BPF object \(objectPath)", errno) }
        var rc = bpf_object__load(obj)
        if rc != 0 { bpf_object__close(obj); throw BPFError("load BPF object \(objectPath)", rc) }
        func progFD(_ name: String) -> Int32 {
            guard let p = bpf_object__find_program_by_name(obj, name) else { return -1 }
            return bpf_program__fd(p)
        }
        let fds = (progFD("kea_edge_ingress"), progFD("kea_edge_egress"),
                   bpf_object__find_map_fd_by_name(obj, "msg_counts"), bpf_object__find_map_fd_by_name(obj, "stats"),
                   bpf_object__find_map_fd_by_name(obj, "latency_hist"), bpf_object__find_map_fd_by_name(obj, "pending"))
        guard fds.0 >= 0, fds.1 >= 0, fds.2 >= 0, fds.3 >= 0, fds.4 >= 0, fds.5 >= 0 else {
            bpf_object__close(obj)
            throw BPFError("BPF object \(objectPath) lacks kea_edge_ingress/egress or its maps (tc mode needs \(BPFObjectLocator.fileName))", ENOENT)
        }
        rc = CBPF_tc_hook_create(Int32(index))
        let created = rc == 0
        if rc != 0 && rc != -EEXIST { bpf_object__close(obj); throw BPFError("create clsact qdisc on \(interface)", rc) }
        for (ingress, fd) in [(1 as Int32, fds.0), (0, fds.1)] {
            var existing: UInt32 = 0
            let stale = CBPF_tc_query(Int32(index), ingress, Self.filterHandle, Self.filterPriority, &existing) == 0
            if stale {
                logger.warning("replacing a kea-edge tc filter left on \(interface) \(ingress == 1 ? "ingress" : "egress") (program id \(existing)) by an earlier run")
            }
            var id: UInt32 = 0
            rc = CBPF_tc_attach(Int32(index), ingress, fd, Self.filterHandle, Self.filterPriority, stale ? 1 : 0, &id)
            if rc != 0 {
                _ = CBPF_tc_detach(Int32(index), 1, Self.filterHandle, Self.filterPriority)
                if created { _ = CBPF_tc_hook_destroy(Int32(index)) }
                bpf_object__close(obj)
                throw BPFError("attach tc filter to \(interface) \(ingress == 1 ? "ingress" : "egress")", rc)
            }
        }
        self.interface = interface
        self.ifindex = Int32(index)
        self.object = obj
        (ingressFD, egressFD) = (fds.0, fds.1)
        self.maps = DHCPCounterMaps(counts: fds.2, stats: fds.3, histogram: fds.4, pending: fds.5)
        self.createdQdisc = created
        logger.info("tc program attached", metadata: ["interface": "\(interface)", "clsact.created": "\(created)"])
    }

    deinit { detach() }

    /// Detaches both filters (and the clsact qdisc if this program created it) and closes the object.
    /// Safe to call more than once.
    public func detach() {
        let doIt = state.withLock { s -> Bool in
            defer { s.attached = false; s.closed = true }
            return !s.closed
        }
        guard doIt else { return }
        _ = CBPF_tc_detach(ifindex, 1, Self.filterHandle, Self.filterPriority)
        _ = CBPF_tc_detach(ifindex, 0, Self.filterHandle, Self.filterPriority)
        if createdQdisc { _ = CBPF_tc_hook_destroy(ifindex) }
        bpf_object__close(object)
    }

    /// Whether a kea-edge filter is attached to `interface` (ingress or egress), e.g. left by a killed run.
    public static func isAttached(interface: String) -> Bool {
        let index = if_nametoindex(interface)
        guard index != 0 else { return false }
        var id: UInt32 = 0
        return CBPF_tc_query(Int32(index), 1, filterHandle, filterPriority, &id) == 0
            || CBPF_tc_query(Int32(index), 0, filterHandle, filterPriority, &id) == 0
    }

    /// Reads the cumulative counters.
    public func read() -> TCCounters {
        state.withLock { s -> TCCounters in
            s.closed ? TCCounters() : maps.read(programFDs: [ingressFD, egressFD])
        }
    }

    /// Removes requests that waited longer than `timeoutNanoseconds` for a reply and returns how many of each
    /// exchange that were, plus how many are still pending.
    public func sweepUnanswered(timeoutNanoseconds: UInt64) -> UnansweredSweep {
        state.withLock { s -> UnansweredSweep in
            s.closed ? UnansweredSweep() : maps.sweepUnanswered(timeoutNanoseconds: timeoutNanoseconds)
        }
    }
}

/// The maps both BPF objects share (msg_counts, stats, latency_hist, pending) and how to read them.
struct DHCPCounterMaps: Sendable {
    let counts: Int32, stats: Int32, histogram: Int32, pending: Int32
    let cpus = max(1, Int(libbpf_num_possible_cpus()))

    init(counts: Int32, stats: Int32, histogram: Int32, pending: Int32) {
        (self.counts, self.stats, self.histogram, self.pending) = (counts, stats, histogram, pending)
    }

    /// Finds the four maps in a loaded object; nil when one is missing.
    init?(object: OpaquePointer) {
        let names: [String] = ["msg_counts", "stats", "latency_hist", "pending"]
        let fds = names.map { name in bpf_object__find_map_fd_by_name(object, name) }
        guard fds.allSatisfy({ $0 >= 0 }) else { return nil }
        self.init(counts: fds[0], stats: fds[1], histogram: fds[2], pending: fds[3])
    }

    private func sumPerCPU(_ fd: Int32, _ count: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        var values = [UInt64](repeating: 0, count: cpus)
        for key in 0..<count {
            var k = UInt32(key)
            if bpf_map_lookup_elem(fd, &k, &values) == 0 { out[key] = values.reduce(0, &+) }
        }
        return out
    }

    /// Reads both families. The maps are indexed by family first (`dhcp_tc.bpf.c`): msg_counts
    /// `(family * 2 + direction) * 32 + type`, stats `family * 8 + stat` (then `16 + row`: the latency sums of rows 4
    /// and up), latency_hist `row * 64 + slot` (rows: ``TCProgram/exchanges(of:)``). The uprobe object's smaller maps
    /// hold the DHCPv4 part only (the missing keys read as 0).
    func read(programFDs: [Int32]) -> TCCounters {
        var c = TCCounters()
        let types = TCProgram.messageTypes, slots = TCProgram.histogramSlots
        let all = sumPerCPU(counts, 4 * types)
        let s = sumPerCPU(stats, TCProgram.statEntries)
        let hist = sumPerCPU(histogram, TCProgram.exchangeRows * slots)
        for family in KeaExporterFormat.Family.allCases {
            let f = family == .dhcp4 ? 0 : 1
            var counters = TCCounters.Family(family: family)
            counters.received = Array(all[(2 * f) * types..<(2 * f + 1) * types])
            counters.sent = Array(all[(2 * f + 1) * types..<(2 * f + 2) * types])
            let st = Array(s[8 * f..<8 * f + 8])
            (counters.malformed, counters.unmatchedReplies, counters.retransmits, counters.pendingFull) = (st[0], st[1], st[2], st[3])
            (counters.relayedIn, counters.relayedOut) = (st[6], st[7])
            let exchanges = TCProgram.exchanges(of: family)
            counters.latencySumNanoseconds = exchanges.map { row, _ in row < 4 ? st[4 + (row & 1)] : s[16 + row] }
            counters.latencySlots = exchanges.map { row, _ in Array(hist[row * slots..<(row + 1) * slots]) }
            c[family] = counters
        }
        for fd in programFDs {
            var time: UInt64 = 0, runs: UInt64 = 0
            if CBPF_prog_run_stats(fd, &time, &runs, nil) == 0 {
                c.bpfRunTimeNanoseconds &+= time
                c.bpfRunCount &+= runs
            }
        }
        return c
    }

    func sweepUnanswered(timeoutNanoseconds: UInt64) -> UnansweredSweep {
        let now = SystemSupport.monotonicNanoseconds()
        var stale: [(UInt32, UInt32)] = []
        var sweep = UnansweredSweep()
        var waiting = 0
        var key: (UInt32, UInt32) = (0, 0)
        var next: (UInt32, UInt32) = (0, 0)
        var first = true
        while true {
            let rc = first ? bpf_map_get_next_key(pending, nil, &next) : bpf_map_get_next_key(pending, &key, &next)
            if rc != 0 { break }
            first = false
            key = next
            var seen: UInt64 = 0
            if bpf_map_lookup_elem(pending, &key, &seen) == 0 {
                if now > seen && now - seen > timeoutNanoseconds {
                    stale.append(key)
                } else {
                    waiting += 1
                    sweep.stillPending[key.1 < 2 ? 0 : 1] += 1
                }
            }
            if stale.count + waiting > 200_000 { break }
        }
        for var k in stale where bpf_map_delete_elem(pending, &k) == 0 && Int(k.1) < sweep.unanswered.count {
            sweep.unanswered[Int(k.1)] += 1
        }
        return sweep
    }
}
