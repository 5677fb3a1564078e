import KeaEdge
import KeaEdgeCollector
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Why the tc program cannot be run in the kernel here (BPF_PROG_TEST_RUN needs root and a compiled object), or nil.
let tcTestRunSkipReason: String? = {
    if geteuid() != 0 { return "not root (loading a BPF program needs root or CAP_BPF)" }
    if !which("clang") { return "clang is not installed (it compiles the tc program)" }
    return nil
}()

@Suite(
    "tc classifier on hand-built packets (BPF_PROG_TEST_RUN)", .timeLimit(.minutes(1)),
    .enabled(if: tcTestRunSkipReason == nil, Comment(rawValue: tcTestRunSkipReason ?? "")))
struct TCClassifierTests {
    static func object() async throws -> String {
        let build = try await command([repositoryRoot + "/scripts/kea-build-bpf.sh"])
        try #require(build.ok, "scripts/kea-build-bpf.sh failed: \(build.error)")
        return repositoryRoot + "/.build-bpf/dhcp_tc.bpf.o"
    }

    @Test("DHCPv6 messages by type, relay envelopes unwrapped (nested up to 4), exchanges matched by xid; DHCPv4 beside")
    func dhcp6() async throws {
        typealias F = TCProgramBenchmark
        let packets: [(ingress: Bool, frame: [UInt8])] = [
            (true, F.dhcp6Frame(type: 1, xid: 0x00_0001)),               // SOLICIT
            (false, F.dhcp6Frame(type: 2, xid: 0x00_0001)),              // ADVERTISE: matched
            (true, F.dhcp6Frame(type: 3, xid: 0xab_cdef)),               // REQUEST
            (false, F.dhcp6Frame(type: 7, xid: 0xab_cdef)),              // REPLY: matched
            (true, F.dhcp6Frame(type: 5, xid: 0x00_0002)),               // RENEW
            (false, F.dhcp6Frame(type: 7, xid: 0x00_0002)),              // its REPLY: matched (RENEW→REPLY)
            (true, F.dhcp6Frame(type: 11, xid: 0x00_0003)),              // INFORMATION-REQUEST, never answered
            (true, F.dhcp6Frame(type: 1, xid: 0x00_0010, relays: 1)),    // RELAY-FORW(SOLICIT)
            (false, F.dhcp6Frame(type: 2, xid: 0x00_0010, relays: 1)),   // RELAY-REPL(ADVERTISE): matched
            (true, F.dhcp6Frame(type: 3, xid: 0x00_0011, relays: 4)),    // four envelopes: the deepest unwrapped
            (false, F.dhcp6Frame(type: 7, xid: 0x00_0011, relays: 4)),
            (true, F.dhcp6Frame(type: 1, xid: 0x00_0012, relays: 5)),    // five: too deep, malformed
            (true, F.dhcp6Frame(type: 1, xid: 0x00_0013, relays: 2, relayMessage: false)),  // no Relay Message: malformed
            (true, F.dhcp6Frame(type: 1, xid: 0x00_0014, port: 53)),     // not DHCPv6: ignored
            (true, F.dhcpFrame(type: 1, xid: 0x0000_0001)),              // a DHCPv4 DISCOVER beside
            (false, F.dhcpFrame(type: 2, xid: 0x0000_0001)),             // and its OFFER
        ]
        let c = try TCProgramBenchmark.classify(objectPath: try await Self.object(), packets: packets)
        let v6 = c.v6
        #expect(v6.received[1] == 2 && v6.received[3] == 2 && v6.received[5] == 1 && v6.received[11] == 1)
        #expect(v6.sent[2] == 2 && v6.sent[7] == 3)
        #expect(v6.received.reduce(0, +) == 6 && v6.sent.reduce(0, +) == 5)
        #expect(v6.relayedIn == 2 && v6.relayedOut == 2)
        #expect(v6.malformed == 2)
        #expect(v6.unmatchedReplies == 0)
        #expect(v6.latencySlots[0].reduce(0, +) == 2, "SOLICIT→ADVERTISE: direct and relayed")
        #expect(v6.latencySlots[1].reduce(0, +) == 2, "REQUEST→REPLY: direct and four envelopes deep")
        #expect(v6.latencySlots[3].reduce(0, +) == 1, "RENEW→REPLY")
        #expect(v6.latencySumNanoseconds[0] > 0 && v6.latencySumNanoseconds[1] > 0 && v6.latencySumNanoseconds[3] > 0)
        // DHCPv4 is counted on its own: one DISCOVER, one OFFER, one DISCOVER→OFFER.
        #expect(c.v4.received[1] == 1 && c.v4.sent[2] == 1 && c.v4.received.reduce(0, +) == 1)
        #expect(c.v4.latencySlots[0].reduce(0, +) == 1 && c.v4.malformed == 0 && c.v4.relayedIn == 0)
    }

    @Test("every DHCPv6 client message is matched to its reply by xid and message type; unmatched means unmatched")
    func dhcp6Exchanges() async throws {
        typealias F = TCProgramBenchmark
        // Client messages answered by REPLY (RFC 8415 18.3), with the histogram each one ends in.
        let answered: [(type: UInt8, exchange: String)] = [
            (3, "request_reply"), (5, "renew_reply"), (6, "rebind_reply"), (4, "confirm_reply"), (8, "release_reply"),
            (9, "decline_reply"), (11, "infrequest_reply"), (1, "solicit_reply"),
        ]
        var packets: [(ingress: Bool, frame: [UInt8])] = []
        for (i, request) in answered.enumerated() {
            let xid = UInt32(0x10_0000 + i)
            packets.append((true, F.dhcp6Frame(type: request.type, xid: xid)))
            packets.append((false, F.dhcp6Frame(type: 7, xid: xid, relays: i % 2)))   // every other one relayed
        }
        packets += [
            (true, F.dhcp6Frame(type: 1, xid: 0x20_0001)),      // SOLICIT ...
            (false, F.dhcp6Frame(type: 2, xid: 0x20_0001)),     // ... ADVERTISE: solicit_advertise
            (false, F.dhcp6Frame(type: 7, xid: 0x20_0001)),     // a REPLY after the SOLICIT was answered: unmatched
            (true, F.dhcp6Frame(type: 5, xid: 0x20_0002)),      // RENEW ...
            (false, F.dhcp6Frame(type: 2, xid: 0x20_0002)),     // ... answered by ADVERTISE: wrong type, unmatched
            (false, F.dhcp6Frame(type: 7, xid: 0x20_0002)),     // ... then its REPLY: renew_reply
            (false, F.dhcp6Frame(type: 7, xid: 0x20_0003)),     // a REPLY to nothing: unmatched
            (true, F.dhcp6Frame(type: 6, xid: 0x20_0004)),      // REBIND, retransmitted, one REPLY: one latency
            (true, F.dhcp6Frame(type: 6, xid: 0x20_0004)),
            (false, F.dhcp6Frame(type: 7, xid: 0x20_0004)),
            (false, F.dhcp6Frame(type: 7, xid: 0x20_0004)),     // a second REPLY: the request is gone, unmatched
            (true, F.dhcp6Frame(type: 8, xid: 0x20_0005)),      // RELEASE never answered: stays pending
        ]
        let c = try TCProgramBenchmark.classify(objectPath: try await Self.object(), packets: packets)
        let names = TCProgram.exchanges(of: .dhcp6).map { $0.name }
        func count(_ exchange: String) -> UInt64 {
            c.v6.latencySlots[names.firstIndex(of: exchange)!].reduce(0, +)
        }
        #expect(names.prefix(2) == ["solicit_advertise", "request_reply"], "the first two rows stay where they were")
        for (exchange, expected) in [
            ("request_reply", 1), ("renew_reply", 2), ("rebind_reply", 2), ("confirm_reply", 1), ("release_reply", 1),
            ("decline_reply", 1), ("infrequest_reply", 1), ("solicit_reply", 1), ("solicit_advertise", 1),
        ] as [(String, UInt64)] {
            #expect(count(exchange) == expected, "\(exchange)")
            #expect(c.v6.latencySumNanoseconds[names.firstIndex(of: exchange)!] > 0, "\(exchange) sum")
        }
        #expect(c.v6.unmatchedReplies == 4)
        #expect(c.v6.retransmits == 1)
        #expect(c.v6.sent[7] == UInt64(answered.count) + 5 && c.v6.sent[2] == 2)
        // Every reply is either matched (in one histogram) or unmatched.
        #expect(c.v6.latencySlots.flatMap { $0 }.reduce(0, +) + c.v6.unmatchedReplies == c.v6.sent.reduce(0, +))
        #expect(c.v4.isEmpty && c.v4.unmatchedReplies == 0)
    }
}
