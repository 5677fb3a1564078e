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

    /// Loads the object (without attaching it) and times the ingress and egress programs on a DHCP
    /// DISCOVER, an OFFER, a REQUEST, an ACK and a non-DHCP UDP packet.
    /// - Throws: ``BPFError`` when the object cannot be loaded or the kernel refuses the test run.
    public static func run(objectPath: String, repeat count: UInt32 = 1_000_000) throws(BPFError) -> [Result] {
        CBPF_set_print(0)
        guard let obj = bpf_object__open_file(objectPath, nil) else { throw BPFError("open BPF object \(objectPath)", errno) }
        defer { bpf_object__close(obj) }
        let rc = bpf_object__load(obj)
        if rc != 0 { throw BPFError("load BPF object \(objectPath)", rc) }
        guard let ingress = bpf_object__find_program_by_name(obj, "kea_edge_ingress"),
            let egress = bpf_object__find_program_by_name(obj, "kea_edge_egress")
        else { throw BPFError("BPF object \(objectPath) lacks kea_edge_ingress/egress", ENOENT) }
        let cases: [(String, OpaquePointer, [UInt8])] = [
            ("ingress DISCOVER (pending-map insert/update)", ingress, dhcpFrame(type: 1, xid: 0x1234_5678)),
            ("egress OFFER (pending-map lookup)", egress, dhcpFrame(type: 2, xid: 0x1234_5678)),
            ("ingress REQUEST (pending-map insert/update)", ingress, dhcpFrame(type: 3, xid: 0x1234_5679)),
            ("egress ACK (pending-map lookup)", egress, dhcpFrame(type: 5, xid: 0x1234_5679)),
            ("ingress non-DHCP UDP (early exit)", ingress, dhcpFrame(type: 1, xid: 1, port: 53)),
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

    /// An Ethernet/IPv4/UDP frame carrying a minimal DHCPv4 message of `type` (option 53 first, as clients send it).
    static func dhcpFrame(type: UInt8, xid: UInt32, port: UInt16 = 67) -> [UInt8] {
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
