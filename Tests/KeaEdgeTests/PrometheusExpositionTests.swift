import HollowCore
import HollowTestSupport
import KeaEdge
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One parsed exposition line.
struct ScrapedSample: Hashable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Parses Prometheus text (enough for the tests: no escaped quotes inside label values).
func parseExposition(_ text: String) -> [ScrapedSample] {
    var out: [ScrapedSample] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        let head = line[..<space]
        var labels: [String: String] = [:]
        var name = String(head)
        if let brace = head.firstIndex(of: "{") {
            name = String(head[..<brace])
            let body = head[head.index(after: brace)..<(head.lastIndex(of: "}") ?? head.endIndex)]
            var rest = Substring(body)
            while let eq = rest.firstIndex(of: "=") {
                let key = String(rest[..<eq]).trimmingPrefix(",")
                let afterQuote = rest.index(eq, offsetBy: 2)
                guard let endQuote = rest[afterQuote...].firstIndex(of: "\"") else { break }
                labels[String(key)] = String(rest[afterQuote..<endQuote])
                rest = rest[rest.index(after: endQuote)...]
            }
        }
        out.append(ScrapedSample(name: name, labels: labels, value: value))
    }
    return out
}

extension [ScrapedSample] {
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
    }
}

/// Runs `promtool check metrics` on `text`; nil when it passes, else its complaint.
func promtoolProblems(_ text: String) async throws -> String? {
    let result = try await run(
        .name("promtool"), arguments: ["check", "metrics"], input: .string(text),
        output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
    return result.terminationStatus.isSuccess ? nil : result.standardOutput + result.standardError
}

@Suite("Prometheus exposition: kea-exporter names, log2 histograms", .timeLimit(.minutes(3)))
struct PrometheusExpositionTests {
    static let statistics = KeaStatistics(values: [
        "pkt4-received": 40, "pkt4-sent": 30, "pkt4-discover-received": 12, "pkt4-request-received": 10,
        "pkt4-offer-sent": 12, "pkt4-ack-sent": 9, "pkt4-nak-sent": 1, "pkt4-receive-drop": 2,
        "v4-allocation-fail": 3, "v4-allocation-fail-subnet": 3, "cumulative-assigned-addresses": 9,
        "subnet[1].total-addresses": 65024, "subnet[1].assigned-addresses": 9, "subnet[1].declined-addresses": 0,
        "subnet[1].v4-allocation-fail-subnet": 3, "subnet[1].cumulative-assigned-addresses": 9,
        "subnet[1].reclaimed-leases": 4, "subnet[1].pool[0].total-addresses": 65024,
        "subnet[7].assigned-addresses": 5,  // not in the configuration: left out, as kea-exporter does
        "some-future-statistic": 1,
    ])
    static let subnets = KeaSubnet.all(inConfig: [
        "Dhcp4": [
            "subnet4": [["id": 1, "subnet": "198.18.0.0/16", "pools": [["pool": "198.18.1.0 - 198.18.254.254"]]]],
            "shared-networks": [["name": "n", "subnet4": [["id": 2, "subnet": "10.0.0.0/8", "pools": []]]]],
        ]
    ])

    @Test("subnets come from config-get, shared networks included")
    func subnetsFromConfig() {
        #expect(Self.subnets[1] == KeaSubnet(id: 1, prefix: "198.18.0.0/16", pools: ["198.18.1.0 - 198.18.254.254"]))
        #expect(Self.subnets[2]?.prefix == "10.0.0.0/8")
    }

    @Test("Kea's DHCPv4 statistics under kea-exporter's names and labels")
    func dhcp4Names() async throws {
        let text = PrometheusFamily.render(
            KeaExporterFormat.families(statistics: Self.statistics, subnets: Self.subnets, family: .dhcp4))
        let s = parseExposition(text)
        #expect(s.value("kea_dhcp4_packets_received_total", ["operation": "discover"]) == 12)
        #expect(s.value("kea_dhcp4_packets_received_total", ["operation": "drop"]) == 2)
        #expect(s.value("kea_dhcp4_packets_sent_total", ["operation": "nak"]) == 1)
        let subnet = ["subnet": "198.18.0.0/16", "subnet_id": "1"]
        #expect(s.value("kea_dhcp4_addresses_assigned_total", subnet.merging(["pool": ""]) { $1 }) == 9)
        #expect(s.value("kea_dhcp4_addresses_total", subnet.merging(["pool": ""]) { $1 }) == 65024)
        #expect(s.value("kea_dhcp4_addresses_total", subnet.merging(["pool": "198.18.1.0 - 198.18.254.254"]) { $1 }) == 65024)
        #expect(s.value("kea_dhcp4_allocations_failed_total", subnet.merging(["context": "subnet"]) { $1 }) == 3)
        #expect(s.value("kea_dhcp4_addresses_reclaimed_total", subnet) == 4)
        // Sums and unknown statistics are left out; so are subnets missing from the configuration.
        #expect(!text.contains("pkt4-received") && !text.contains("cumulative") && !text.contains("some-future"))
        #expect(!s.contains { $0.labels["subnet_id"] == "7" })
        #expect(s.filter { $0.name == "kea_dhcp4_allocations_failed_total" }.count == 1, "the global sum is not exported")
        #expect(text.contains("# TYPE kea_dhcp4_packets_received_total counter"))
        #expect(text.contains("# TYPE kea_dhcp4_addresses_assigned_total untyped"))
        if which("promtool") { #expect(try await promtoolProblems(text) == nil) }
    }

    @Test("Kea's DHCPv6 statistics under kea-exporter's names")
    func dhcp6Names() {
        let stats = KeaStatistics(values: [
            "pkt6-solicit-received": 5, "pkt6-advertise-sent": 5, "pkt6-reply-sent": 4, "pkt6-infrequest-received": 1,
            "subnet[1].assigned-nas": 4, "subnet[1].total-nas": 1000, "subnet[1].assigned-pds": 0,
        ])
        let subnets = KeaSubnet.all(inConfig: ["Dhcp6": ["subnet6": [["id": 1, "subnet": "2001:db8::/64", "pools": []]]]])
        let s = parseExposition(PrometheusFamily.render(KeaExporterFormat.families(statistics: stats, subnets: subnets, family: .dhcp6)))
        #expect(s.value("kea_dhcp6_packets_received_total", ["operation": "solicit"]) == 5)
        #expect(s.value("kea_dhcp6_packets_received_total", ["operation": "infrequest"]) == 1)
        #expect(s.value("kea_dhcp6_packets_sent_total", ["operation": "reply"]) == 4)
        #expect(s.value("kea_dhcp6_na_assigned_total", ["subnet": "2001:db8::/64", "subnet_id": "1", "pool": ""]) == 4)
        #expect(s.value("kea_dhcp6_pd_assigned_total", ["subnet": "2001:db8::/64", "subnet_id": "1"]) == 0)
    }

    @Test("log2 slots become a cumulative Prometheus histogram in seconds with the kernel's exact sum")
    func histogram() async throws {
        var slots = [UInt64](repeating: 0, count: 64)
        slots[11] = 3  // [1024, 2047] ns
        slots[20] = 2  // [524288, 1048575] ns
        slots[40] = 1  // beyond the last bucket (~34 s): only in +Inf
        let family = PrometheusFamily(
            name: "kea_edge_latency_seconds", help: "h", kind: .histogram,
            samples: PrometheusFamily.log2HistogramSamples(labels: [("exchange", "x")], slots: slots, sumNanoseconds: 1_500_000_123))
        let s = parseExposition(family.text)
        #expect(s.value("kea_edge_latency_seconds_bucket", ["le": "0.000001023"]) == 0)
        #expect(s.value("kea_edge_latency_seconds_bucket", ["le": "0.000002047"]) == 3)
        #expect(s.value("kea_edge_latency_seconds_bucket", ["le": "0.001048575"]) == 5)
        #expect(s.value("kea_edge_latency_seconds_bucket", ["le": "+Inf"]) == 6)
        #expect(s.value("kea_edge_latency_seconds_count") == 6)
        #expect(family.text.contains("kea_edge_latency_seconds_sum{exchange=\"x\"} 1.500000123\n"))
        #expect(PrometheusFamily.seconds(nanoseconds: 2_000_000_000) == "2")
        if which("promtool") { #expect(try await promtoolProblems(family.text) == nil) }
    }
}
