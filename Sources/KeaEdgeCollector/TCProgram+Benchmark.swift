internal import CBPF

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// BPF time per packet of the tc program measured in the kernel with BPF_PROG_TEST_RUN (no interface,
/// no Kea, no scheduling noise): the average ns of `repeat` runs on crafted frames.
public enum TCProgramBenchmark {
    /// One measured case.
    public struct Result: Sendable, Hashable {
        /// What was run, e.g. `ingress DISCOVER (pending-map update)`.
        public var name: String
        /// Average ns per run.
        public var nanosecondsPerRun: UInt32
    }

    /// Opens and loads the object without attaching it; the caller closes the returned object.
    /// - Throws: ``BPFError`` when it cannot be opened or loaded, or lacks the ingress/egress programs.
    private static func loadUnattached(_ objectPath: String) throws(BPFError)
        -> (object: OpaquePointer, ingress: OpaquePointer, egress: OpaquePointer)
    {
        CBPF_set_print(0)
        guard let obj = bpf_object__open_file(objectPath, nil) else { throw BPFError("open BPF object \(objectPath)", errno) }
        let rc = bpf_object__load(obj)
        guard rc == 0 else {
            bpf_object__close(obj)
            throw BPFError("load BPF object \(objectPath)", rc)
        }
        guard let ingress = bpf_object__find_program_by_name(obj, "kea_edge_ingress"),
            let egress = bpf_object__find_program_by_name(obj, "kea_edge_egress")
        else {
            bpf_object__close(obj)
            throw BPFError("BPF object \(objectPath) lacks kea_edge_ingress/egress", ENOENT)
        }
        return (obj, ingress, egress)
    }

    /// Loads the object (without attaching it) and times the ingress and egress programs on a DHCP
    /// DISCOVER, an OFFER, a REQUEST, an ACK, a non-DHCP UDP packet, and the DHCPv6 SOLICIT, ADVERTISE, REQUEST,
    /// REPLY, RENEW, a RELAY-FORW(SOLICIT) and a RELAY-REPL(ADVERTISE). Each frame runs `count` times, so a reply's
    /// request is pending for the first run only: the egress cases time the unmatched path (a REPLY tries the eight
    /// requests it can answer).
    /// - Throws: ``BPFError`` when the object cannot be loaded or the kernel refuses the test run.
    public static func run(objectPath: String, repeat count: UInt32 = 1_000_000) throws(BPFError) -> [Result] {
        let (obj, ingress, egress) = try loadUnattached(objectPath)
        defer { bpf_object__close(obj) }
        let cases: [(String, OpaquePointer, [UInt8])] = [
            ("ingress DISCOVER (pending-map insert/update)", ingress, dhcpFrame(type: 1, xid: 0x1234_5678)),
            ("egress OFFER (pending-map lookup)", egress, dhcpFrame(type: 2, xid: 0x1234_5678)),
            ("ingress REQUEST (pending-map insert/update)", ingress, dhcpFrame(type: 3, xid: 0x1234_5679)),
            ("egress ACK (pending-map lookup)", egress, dhcpFrame(type: 5, xid: 0x1234_5679)),
            ("ingress non-DHCP UDP (early exit)", ingress, dhcpFrame(type: 1, xid: 1, port: 53)),
            ("v6 ingress SOLICIT (pending-map insert/update)", ingress, dhcp6Frame(type: 1, xid: 0x12_3456)),
            ("v6 egress ADVERTISE (pending-map lookup)", egress, dhcp6Frame(type: 2, xid: 0x12_3456)),
            ("v6 ingress REQUEST (pending-map insert/update)", ingress, dhcp6Frame(type: 3, xid: 0x12_3457)),
            ("v6 egress REPLY (8 pending-map lookups: after the first run nothing is pending)", egress, dhcp6Frame(type: 7, xid: 0x12_3457)),
            ("v6 ingress RENEW (pending-map insert/update)", ingress, dhcp6Frame(type: 5, xid: 0x12_3459)),
            ("v6 ingress RELAY-FORW(SOLICIT) (unwrap + insert)", ingress, dhcp6Frame(type: 1, xid: 0x12_3458, relays: 1)),
            ("v6 egress RELAY-REPL(ADVERTISE) (unwrap + lookup)", egress, dhcp6Frame(type: 2, xid: 0x12_3458, relays: 1)),
        ]
        var results: [Result] = []
        for (name, prog, frame) in cases {
            var retval: UInt32 = 0, duration: UInt32 = 0
            let r = frame.withUnsafeBytes {
                CBPF_prog_test_run(bpf_program__fd(prog), $0.baseAddress, UInt32($0.count), count, &retval, &duration)
            }
            if r != 0 { throw BPFError("BPF_PROG_TEST_RUN of \(name)", r) }
            results.append(Result(name: name, nanosecondsPerRun: duration))
        }
        return results
    }

    /// Runs each frame once through the ingress or egress program of a freshly loaded (unattached) object and
    /// returns what the maps counted: how the classifier sees hand-built packets, without an interface.
    /// - Throws: ``BPFError`` when the object cannot be loaded or the kernel refuses the test run.
    public static func classify(objectPath: String, packets: [(ingress: Bool, frame: [UInt8])]) throws(BPFError) -> TCCounters {
        let (obj, ingress, egress) = try loadUnattached(objectPath)
        defer { bpf_object__close(obj) }
        guard let maps = DHCPCounterMaps(object: obj) else { throw BPFError("BPF object \(objectPath) lacks its counter maps", ENOENT) }
        for (index, packet) in packets.enumerated() {
            var retval: UInt32 = 0, duration: UInt32 = 0
            let fd = bpf_program__fd(packet.ingress ? ingress : egress)
            let r = packet.frame.withUnsafeBytes { CBPF_prog_test_run(fd, $0.baseAddress, UInt32($0.count), 1, &retval, &duration) }
            if r != 0 { throw BPFError("BPF_PROG_TEST_RUN of packet \(index)", r) }
        }
        return maps.read(programFDs: [])
    }

    /// An Ethernet/IPv6/UDP frame carrying a DHCPv6 message of `type` with transaction id `xid` (24 bits), wrapped
    /// in `relays` RELAY-FORW (ingress types) or RELAY-REPL (egress types: ADVERTISE, REPLY, RECONFIGURE) envelopes,
    /// each with an Interface-Id option before its Relay Message option. `relayMessage: false` leaves the Relay
    /// Message option out of the innermost envelope (a malformed relay).
    public static func dhcp6Frame(type: UInt8, xid: UInt32, relays: Int = 0, relayMessage: Bool = true, port: UInt16 = 547) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        // Client/server message: type, xid, Client Identifier (DUID-LL), Elapsed Time.
        var message: [UInt8] = [type, UInt8((xid >> 16) & 0xff), UInt8((xid >> 8) & 0xff), UInt8(xid & 0xff)]
        message += [0, 1, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0, 0, 1] + [0, 8, 0, 2, 0, 0]
        let outbound = type == 2 || type == 7 || type == 10
        for level in 0..<relays {
            var envelope: [UInt8] = [outbound ? 13 : 12, UInt8(relays - 1 - level)]
            envelope += [UInt8](repeating: 0, count: 16) + [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [2]
            envelope += [0, 18] + u16(4) + [0x65, 0x74, 0x68, UInt8(0x30 + level)]  // Interface-Id "ethN"
            if relayMessage || level > 0 { envelope += [0, 9] + u16(message.count) + message }
            message = envelope
        }
        let udpLength = 8 + message.count
        var frame: [UInt8] = [0x33, 0x33, 0, 1, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]
        frame += [0x60, 0, 0, 0] + u16(udpLength) + [17, 64]
        frame += [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [2]               // source fe80::2
        frame += [0xff, 0x02] + [UInt8](repeating: 0, count: 11) + [1, 0, 2]          // ff02::1:2
        frame += u16(outbound ? 547 : 546) + u16(Int(port)) + u16(udpLength) + [0, 0]
        return frame + message
    }

    /// An Ethernet/IPv4/UDP frame carrying a minimal DHCPv4 message of `type` (option 53 first, as clients send it).
    public static func dhcpFrame(type: UInt8, xid: UInt32, port: UInt16 = 67) -> [UInt8] {
        var dhcp = [UInt8](repeating: 0, count: 240)
        dhcp[0] = type == 2 || type == 5 || type == 6 ? 2 : 1
        dhcp[1] = 1; dhcp[2] = 6
        dhcp[4] = UInt8(xid >> 24); dhcp[5] = UInt8((xid >> 16) & 0xff); dhcp[6] = UInt8((xid >> 8) & 0xff); dhcp[7] = UInt8(xid & 0xff)
        dhcp[236] = 0x63; dhcp[237] = 0x82; dhcp[238] = 0x53; dhcp[239] = 0x63
        dhcp += [53, 1, type, 61, 7, 1, 2, 3, 4, 5, 6, 7, 55, 4, 1, 3, 6, 15, 255]
        let udpLength = 8 + dhcp.count
        let ipLength = 20 + udpLength
        var frame: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        frame += [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xff), 0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 2, 198, 18, 0, 1]
        frame += [0, 68, UInt8(port >> 8), UInt8(port & 0xff), UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        return frame + dhcp
    }
}
