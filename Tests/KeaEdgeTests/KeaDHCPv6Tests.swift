import HollowCore
import HollowTestSupport
import KeaEdge
import KeaEdgeCollector
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("kea-edge run against kea-dhcp6 in network namespaces", .timeLimit(.minutes(2)))
struct KeaDHCPv6Tests {
    @Test(
        "DHCPv6: tc counts equal kea-dhcp6's statistics and perfdhcp -6's (direct and relayed), histograms count answered exchanges, kea-exporter's dhcp6 names",
        requiresKeaLab, .enabled(if: which("curl"), "curl is not installed (the test scrapes inside the namespace with it)"))
    func dhcp6() async throws {
        let build = try await command([repositoryRoot + "/scripts/kea-build-bpf.sh"])
        try #require(build.ok, "scripts/kea-build-bpf.sh failed: \(build.error)")
        let lab = try await KeaLab.up()
        let log = lab.directory + "/edge.log"
        do {
            try await lab.startKea6()
            try await dhcp6(lab: lab, log: log)
        } catch {
            print("kea-edge log:\n" + ((try? SystemSupport.readText(log)) ?? ""))
            await lab.down()
            throw error
        }
        await lab.down()
    }

    func dhcp6(lab: KeaLab, log: String) async throws {
        let keaEdge = buildProductsDirectory() + "/kea-edge"
        let object = repositoryRoot + "/.build-bpf/dhcp_tc.bpf.o"
        let states = lab.directory + "/states.jsonl"
        let metricsPort = try freeLoopbackPort()
        let kea6 = KeaControlClient(endpoint: .unixSocket(path: lab.socket6))
        // Both servers' sockets: kea-dhcp4's statistics keep their names, kea-dhcp6's are `dhcp6.<name>`.
        let script = "exec ip netns exec \(lab.serverNamespace) \(keaEdge) run --interface \(lab.serverInterface) "
            + "--kea-socket \(lab.socket) --kea-socket \(lab.socket6) --metrics-listen 127.0.0.1:\(metricsPort) "
            + "--json-lines \(states) --interval 1 --window 1000 --source v6 --bpf-object \(object) 2> \(log)"
        let result = try await run(.name("sh"), arguments: ["-c", script], input: .none, output: .discarded, error: .discarded) {
            execution in
            try #require(await eventually(20) { !readStates(states).isEmpty }, "kea-edge published nothing")
            let exchanged = [
                "pkt6-solicit-received", "pkt6-request-received", "pkt6-renew-received", "pkt6-release-received",
                "pkt6-advertise-sent", "pkt6-reply-sent",
            ]
            let replyExchanges = TCProgram.exchanges(of: .dhcp6).map { $0.name }.filter { $0.hasSuffix("_reply") }
            // Waits until the collector's sums have caught up with kea-dhcp6's own (cumulative) statistics.
            func settled() async throws -> (states: [MetricsState], kea: KeaStatistics) {
                var last: [MetricsState] = []
                var k = KeaStatistics(values: [:])
                _ = try await eventually(15) {
                    k = try await kea6.statistics()
                    last = readStates(states)
                    return exchanged.allSatisfy { sum(last, "dhcp6." + $0) == (k.values[$0] ?? -1) }
                        && sum(last, "tc_in_v6_solicit") == k.values["pkt6-solicit-received"]
                        && sum(last, "tc_out_v6_reply") == k.values["pkt6-reply-sent"]
                }
                return (last, k)
            }
            func expectCountsEqualKea(_ s: [MetricsState], _ k: KeaStatistics) {
                #expect(sum(s, "tc_in_v6_solicit") == k.values["pkt6-solicit-received"])
                #expect(sum(s, "tc_in_v6_request") == k.values["pkt6-request-received"])
                #expect(sum(s, "tc_in_v6_renew") == k.values["pkt6-renew-received"])
                #expect(sum(s, "tc_in_v6_release") == k.values["pkt6-release-received"])
                #expect(sum(s, "tc_out_v6_advertise") == k.values["pkt6-advertise-sent"])
                #expect(sum(s, "tc_out_v6_reply") == k.values["pkt6-reply-sent"])
                // Every reply is matched to its request, once, in the histogram of its exchange: nothing unmatched.
                #expect(metricTotal(s, "solicit_advertise_latency") == sum(s, "tc_out_v6_advertise"))
                #expect(replyExchanges.reduce(0) { $0 + metricTotal(s, $1 + "_latency") } == sum(s, "tc_out_v6_reply"))
                #expect(metricTotal(s, "renew_reply_latency") == k.values["pkt6-renew-received"])
                #expect(metricTotal(s, "release_reply_latency") == k.values["pkt6-release-received"])
                #expect(sum(s, "tc_v6_malformed") == 0 && sum(s, "tc_v6_unmatched_reply") == 0)
            }

            // Phase 1: perfdhcp -6 on the link: SOLICIT-ADVERTISE-REQUEST-REPLY, and RENEW-REPLY and RELEASE-REPLY
            // for some of the leases (-f, -F).
            let perf = try await lab.perfdhcp6(["-r", "200", "-f", "40", "-F", "20", "-p", "2", "-R", "5000"])
            let (s1, k1) = try await settled()
            let sa = try #require(perf["SOLICIT-ADVERTISE"]), rr = try #require(perf["REQUEST-REPLY"])
            let renew = try #require(perf["RENEW-REPLY"]), release = try #require(perf["RELEASE-REPLY"])
            print("perfdhcp -6: SA sent \(sa.sent) received \(sa.received), RR sent \(rr.sent) received \(rr.received), "
                + "renew sent \(renew.sent) received \(renew.received), release sent \(release.sent) received \(release.received)")
            #expect(sa.received > 0 && rr.received > 0 && renew.received > 0 && release.received > 0)
            expectCountsEqualKea(s1, k1)
            #expect(sum(s1, "tc_in_v6_solicit") == Int64(sa.sent))
            #expect(sum(s1, "tc_in_v6_request") == Int64(rr.sent))
            #expect(sum(s1, "tc_in_v6_renew") == Int64(renew.sent) && sum(s1, "tc_in_v6_release") == Int64(release.sent))
            #expect(sum(s1, "tc_out_v6_advertise") >= Int64(sa.received))
            #expect(sum(s1, "tc_out_v6_reply") >= Int64(rr.received + renew.received + release.received))
            #expect(metricTotal(s1, "request_reply_latency") == sum(s1, "tc_in_v6_request"), "REQUEST→REPLY as before")
            #expect(metricTotal(s1, "solicit_reply_latency") == 0, "no rapid commit yet")
            #expect(sum(s1, "tc_v6_relayed_in") == 0)
            #expect(s1.last?.metrics["solicit_advertise_latency"]?.unit == "time (ns)")
            // DHCPv4 is measured beside it, untouched: no DHCPv4 packet was sent.
            #expect(sum(s1, "tc_in_discover") == 0 && s1.last?.aggregates["pkt4-received"] != nil)

            // Phase 2: relayed traffic (perfdhcp -A1 wraps every message in RELAY-FORW; Kea answers in RELAY-REPL).
            let relayed = try await lab.perfdhcp6(["-A1", "-r", "100", "-p", "2", "-R", "5000"])
            let (s2, k2) = try await settled()
            let rsa = try #require(relayed["SOLICIT-ADVERTISE"]), rrr = try #require(relayed["REQUEST-REPLY"])
            print("perfdhcp -6 -A1: SA sent \(rsa.sent) received \(rsa.received), RR sent \(rrr.sent) received \(rrr.received)")
            #expect(rsa.received > 0)
            expectCountsEqualKea(s2, k2)
            #expect(sum(s2, "tc_in_v6_solicit") - sum(s1, "tc_in_v6_solicit") == Int64(rsa.sent))
            #expect(sum(s2, "tc_in_v6_request") - sum(s1, "tc_in_v6_request") == Int64(rrr.sent))
            #expect(sum(s2, "tc_v6_relayed_in") == Int64(rsa.sent + rrr.sent))
            #expect(sum(s2, "tc_v6_relayed_out") == sum(s2, "tc_out_v6_advertise") + sum(s2, "tc_out_v6_reply")
                - sum(s1, "tc_out_v6_advertise") - sum(s1, "tc_out_v6_reply"))

            // Phase 3: rapid commit. perfdhcp -6 -c needs -i and then fails on the REPLY ("Packets exchange not
            // specified", Kea 2.2), so the SOLICITs carry the Rapid Commit option (14) by hand: Kea (rapid-commit
            // allowed in the lab's subnet) answers each with a REPLY, SOLICIT→REPLY.
            _ = try await command([KeaLab.script, "perf6", lab.name, "-o", "14,", "-r", "100", "-p", "1", "-R", "5000"])
            let (s3, k3) = try await settled()
            let rapid = (k3.values["pkt6-solicit-received"] ?? 0) - (k2.values["pkt6-solicit-received"] ?? 0)
            print("rapid commit: \(rapid) SOLICITs, \(metricTotal(s3, "solicit_reply_latency")) SOLICIT→REPLY")
            #expect(rapid > 0)
            expectCountsEqualKea(s3, k3)
            #expect(metricTotal(s3, "solicit_reply_latency") == rapid)
            #expect(metricTotal(s3, "solicit_advertise_latency") == metricTotal(s2, "solicit_advertise_latency"))
            #expect(sum(s3, "tc_v6_unanswered_solicit") == 0 && sum(s3, "tc_v6_unanswered_renew") == 0)

            // `kea-edge stats` with both servers' sockets prints both, keyed by socket.
            let both = try await command([keaEdge, "stats", "--kea-socket", lab.socket, "--kea-socket", lab.socket6])
            #expect(both.ok, "\(both.error)")
            let printed = try JSONValue.parse(both.output)
            #expect(printed[lab.socket6]?["pkt6-solicit-received"]?.int64 == k3.values["pkt6-solicit-received"])
            #expect(printed[lab.socket6]?["pkt6-reply-sent"]?.int64 == k3.values["pkt6-reply-sent"])
            #expect(printed[lab.socket]?["pkt4-received"]?.int64 == 0 && printed[lab.socket]?["pkt6-received"] == nil)

            // The Prometheus endpoint: kea-dhcp6's statistics under kea-exporter's dhcp6 names, the DHCPv6 histograms.
            var body = ""
            var samples: [ScrapedSample] = []
            let consistent = try await eventually(10) {
                guard let text = try await scrape(namespace: lab.serverNamespace, port: metricsPort) else { return false }
                (body, samples) = (text, parseExposition(text))
                return samples.value("kea_dhcp6_packets_sent_total", ["operation": "reply"]) == Double(k3.values["pkt6-reply-sent"] ?? -1)
            }
            #expect(consistent, "the scrape never matched kea-dhcp6's statistics:\n\(body)")
            #expect(samples.value("kea_dhcp6_packets_received_total", ["operation": "solicit"]) == Double(k3.values["pkt6-solicit-received"] ?? -1))
            #expect(samples.value("kea_dhcp6_packets_received_total", ["operation": "request"]) == Double(k3.values["pkt6-request-received"] ?? -1))
            #expect(samples.value("kea_dhcp6_packets_sent_total", ["operation": "advertise"]) == Double(k3.values["pkt6-advertise-sent"] ?? -1))
            let subnet = ["subnet": "2001:db8:1::/64", "subnet_id": "1", "pool": ""]
            #expect(samples.value("kea_dhcp6_na_assigned_total", subnet) == Double(k3.values["subnet[1].assigned-nas"] ?? -1))
            #expect(samples.value("kea_dhcp4_packets_received_total", ["operation": "discover"]) == 0, "kea-dhcp4's families beside")
            #expect(samples.value("kea_edge_packets_total", ["probe": "tc", "dhcp": "6", "direction": "in", "type": "solicit"])
                == Double(sum(s3, "tc_in_v6_solicit")))
            #expect(samples.value("kea_edge_latency_seconds_count", ["probe": "tc", "exchange": "request_reply"])
                == Double(metricTotal(s3, "request_reply_latency")))
            for exchange in ["solicit_reply", "renew_reply", "release_reply"] {
                #expect(samples.value("kea_edge_latency_seconds_count", ["probe": "tc", "exchange": exchange])
                    == Double(metricTotal(s3, exchange + "_latency")), "\(exchange)")
            }
            #expect(samples.value("kea_edge_probe_events_total", ["probe": "tc", "dhcp": "6", "event": "relayed_in"])
                == Double(sum(s3, "tc_v6_relayed_in")))
            #expect(try await promtoolProblems(body) == nil, "promtool check metrics failed")

            // kea-ctrl-agent forwards statistic-get-all to service dhcp6: the same statistics as the socket.
            let agentPort = try freeLoopbackPort()
            try await lab.startAgent(port: agentPort)
            let agent = KeaControlClient(endpoint: .controlAgent(try KeaControlAgent(url: "http://127.0.0.1:\(agentPort)", service: "dhcp6")))
            let viaAgent = try await agent.statistics()
            let viaSocket = try await kea6.statistics()
            for name in exchanged + ["subnet[1].assigned-nas", "subnet[1].total-nas"] {
                #expect(viaAgent.values[name] == viaSocket.values[name], "\(name)")
            }
            #expect(viaAgent.values["pkt6-reply-sent"] == k3.values["pkt6-reply-sent"])
            // `kea-edge stats` through the agent with both services: keyed by service, the same numbers.
            let agentBoth = try await command([
                keaEdge, "stats", "--kea-url", "http://127.0.0.1:\(agentPort)", "--kea-service", "dhcp4", "--kea-service", "dhcp6",
            ])
            #expect(agentBoth.ok, "\(agentBoth.error)")
            let viaAgentPrinted = try JSONValue.parse(agentBoth.output)
            #expect(viaAgentPrinted["dhcp6"]?["pkt6-reply-sent"]?.int64 == k3.values["pkt6-reply-sent"])
            #expect(viaAgentPrinted["dhcp4"]?["pkt4-received"]?.int64 == 0)
            // One server given, one unreachable: the readable one is printed, the other named, exit status 1.
            let partial = try await command([keaEdge, "stats", "--kea-socket", lab.socket6, "--kea-socket", lab.directory + "/none.sock"])
            #expect(!partial.ok && partial.error.contains("none.sock"))
            #expect((try? JSONValue.parse(partial.output))?[lab.socket6]?["pkt6-reply-sent"]?.int64 == k3.values["pkt6-reply-sent"])
            try execution.send(signal: .terminate)
        }
        #expect(result.terminationStatus.isSuccess, "kea-edge exited with \(result.terminationStatus)")
    }
}
