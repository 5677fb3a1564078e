import KeaEdge
@testable import KeaEdgeCollector
import Testing

@Suite("DHCPv6 in the MetricsState: names beside DHCPv4's, no change for DHCPv4-only servers")
struct DHCPv6AggregateTests {
    @Test("a DHCPv4-only interval has exactly the keys it had before DHCPv6")
    func v4Only() {
        var before = TCCounters(), now = TCCounters()
        before.v4.received[1] = 10
        now.v4.received[1] = 15
        now.v4.sent[2] = 5
        now.v4.latencySlots[0][12] = 5
        let (metrics, aggregates) = now.interval(since: before, mode: .tc)
        #expect(Set(metrics.keys) == ["discover_offer_latency", "request_ack_latency"])
        #expect(aggregates["tc_in_discover"] == 5 && aggregates["tc_out_offer"] == 5)
        #expect(!aggregates.keys.contains { $0.contains("v6") })
        #expect(aggregates.count == 2 * 8 + 7, "8 types each way, invalid, 4 events, 2 BPF run figures: \(aggregates.keys.sorted())")
        let sweep = now.sweepAggregates(UnansweredSweep(), mode: .tc)
        #expect(Set(sweep.keys) == ["tc_unanswered_discover", "tc_unanswered_request", "tc_pending"])
    }

    @Test("DHCPv6 counters become tc_in_v6_/tc_out_v6_/tc_v6_ aggregates and the two DHCPv6 histograms")
    func v6() {
        let before = TCCounters()
        var now = TCCounters()
        now.v6.received[1] = 7  // SOLICIT
        now.v6.sent[2] = 6      // ADVERTISE
        now.v6.sent[7] = 4      // REPLY
        now.v6.received[20] = 1  // DHCPV4-QUERY: named when seen
        now.v6.relayedIn = 3
        now.v6.malformed = 2
        now.v6.latencySlots[0][14] = 6
        now.v6.latencySlots[1][15] = 4
        let (metrics, aggregates) = now.interval(since: before, mode: .tc)
        #expect(aggregates["tc_in_v6_solicit"] == 7 && aggregates["tc_out_v6_advertise"] == 6 && aggregates["tc_out_v6_reply"] == 4)
        #expect(aggregates["tc_in_v6_infrequest"] == 0 && aggregates["tc_in_v6_dhcpv4_query"] == 1)
        #expect(aggregates["tc_v6_relayed_in"] == 3 && aggregates["tc_v6_malformed"] == 2)
        #expect(aggregates["tc_in_discover"] == 0, "DHCPv4's names stay")
        #expect(metrics["solicit_advertise_latency"]?.total == 6 && metrics["request_reply_latency"]?.total == 4)
        // Every timed DHCPv6 exchange has its histogram once DHCPv6 is measured (empty when nothing was matched).
        #expect(Set(metrics.keys) == Set(["discover_offer", "request_ack", "solicit_advertise", "request_reply", "solicit_reply",
            "renew_reply", "rebind_reply", "confirm_reply", "release_reply", "decline_reply", "infrequest_reply"].map { $0 + "_latency" }))
        #expect(metrics["renew_reply_latency"]?.total == 0 && metrics["renew_reply_latency"]?.buckets == [])
        let buckets = metrics["solicit_advertise_latency"]?.buckets ?? []
        let highest: Int64 = buckets.last?.upper ?? 0
        #expect(buckets.count == 14 && highest == 16383, "the DHCPv4 buckets: \(buckets)")
        var sweep = UnansweredSweep()
        sweep.unanswered = [0, 1, 2, 3, 0, 5, 6, 7, 8, 9, 10]   // by pending kind (4 is no request's)
        sweep.stillPending = [4, 5]
        let swept = now.sweepAggregates(sweep, mode: .tc)
        #expect(swept["tc_v6_unanswered_solicit"] == 2 && swept["tc_v6_unanswered_request"] == 3 && swept["tc_v6_pending"] == 5)
        #expect(swept["tc_v6_unanswered_renew"] == 5 && swept["tc_v6_unanswered_rebind"] == 6 && swept["tc_v6_unanswered_confirm"] == 7)
        #expect(swept["tc_v6_unanswered_release"] == 8 && swept["tc_v6_unanswered_decline"] == 9)
        #expect(swept["tc_v6_unanswered_infrequest"] == 10)
        #expect(swept["tc_unanswered_request"] == 1 && swept["tc_pending"] == 4)
        #expect(swept.count == 3 + 9)
    }

    @Test("kea-dhcp6's statistics are named dhcp6.<name>; NA and PD levels are gauges")
    func keaNames() {
        let a = KeaStatistics(values: ["pkt6-reply-sent": 3, "subnet[1].assigned-nas": 2, "subnet[1].total-nas": 65536])
        let b = KeaStatistics(values: ["pkt6-reply-sent": 10, "subnet[1].assigned-nas": 5, "subnet[1].total-nas": 65536])
        #expect(b.aggregates(since: a, namePrefix: "dhcp6.") == [
            "dhcp6.pkt6-reply-sent": 7, "dhcp6.subnet[1].assigned-nas": 5, "dhcp6.subnet[1].total-nas": 65536,
        ])
        #expect(KeaStatistics.isGauge("subnet[1].pool[0].assigned-pds") && !KeaStatistics.isGauge("pkt6-reply-sent"))
    }
}
