import HollowCore
import HollowFilesystem
import HollowTestSupport
import KeaEdge
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Scrapes `http://127.0.0.1:PORT/metrics` inside a network namespace (curl; nil when it does not answer).
func scrape(namespace: String, port: Int) async throws -> String? {
    let r = try await command(["ip", "netns", "exec", namespace, "curl", "-sf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
    return r.ok ? r.output : nil
}

@Suite("kea-edge in production: control agent, Prometheus endpoint, store hygiene", .timeLimit(.minutes(3)))
struct KeaEdgeProductionTests {
    @Test(
        "run --kea-url (basic auth) --metrics-listen: kea-exporter names equal Kea's statistics, tc histograms and health, promtool passes",
        requiresKeaLab, .enabled(if: which("curl"), "curl is not installed (the test scrapes inside the namespace with it)"))
    func prometheusEndpoint() async throws {
        let build = try await command([repositoryRoot + "/scripts/kea-build-bpf.sh"])
        try #require(build.ok, "scripts/kea-build-bpf.sh failed: \(build.error)")
        let lab = try await KeaLab.up()
        let log = lab.directory + "/edge.log"
        do {
            try await prometheusEndpoint(lab: lab, log: log)
        } catch {
            print("kea-edge log:\n" + ((try? SystemSupport.readText(log)) ?? ""))
            await lab.down()
            throw error
        }
        await lab.down()
    }

    func prometheusEndpoint(lab: KeaLab, log: String) async throws {
        let keaEdge = buildProductsDirectory() + "/kea-edge"
        let object = repositoryRoot + "/.build-bpf/dhcp_tc.bpf.o"
        let states = lab.directory + "/states.jsonl"
        let agentPort = try freeLoopbackPort(), metricsPort = try freeLoopbackPort()
        try await lab.startAgent(port: agentPort, user: "edge", password: "pa55", inServerNamespace: true)
        try SystemSupport.writeText(lab.directory + "/agent.password", "pa55\n")
        let kea = KeaControlClient(endpoint: .unixSocket(path: lab.socket))
        let started = SystemSupport.unixTimeSeconds()
        let script = "exec ip netns exec \(lab.serverNamespace) \(keaEdge) run --interface \(lab.serverInterface) "
            + "--kea-url http://edge@127.0.0.1:\(agentPort) --kea-password-file \(lab.directory)/agent.password "
            + "--metrics-listen 127.0.0.1:\(metricsPort) --json-lines \(states) --interval 1 --source prom "
            + "--bpf-object \(object) 2> \(log)"
        let result = try await run(.name("sh"), arguments: ["-c", script], input: .none, output: .discarded, error: .discarded) {
            execution in
            try #require(await eventually(20) { !readStates(states).isEmpty }, "kea-edge published nothing")
            #expect(try await lab.udhcpc(), "busybox udhcpc got no lease")
            _ = try await lab.perfdhcp(["-r", "200", "-p", "2", "-R", "20000"])
            // Quiet now: wait until an interval after the collector caught up with Kea, then compare a scrape.
            var samples: [ScrapedSample] = []
            var body = ""
            var k = KeaStatistics(values: [:])
            let consistent = try await eventually(20) {
                k = try await kea.statistics()
                let s = readStates(states)
                guard sum(s, "tc_out_ack") == k.values["pkt4-ack-sent"], sum(s, "pkt4-ack-sent") == k.values["pkt4-ack-sent"] else {
                    return false
                }
                guard let text = try await scrape(namespace: lab.serverNamespace, port: metricsPort) else { return false }
                body = text
                samples = parseExposition(text)
                return samples.value("kea_dhcp4_packets_sent_total", ["operation": "ack"]) == Double(k.values["pkt4-ack-sent"] ?? -1)
                    && samples.value("kea_edge_latency_seconds_count", ["probe": "tc", "exchange": "request_ack"])
                        == Double(metricTotal(s, "request_ack_latency"))
            }
            #expect(consistent, "the scrape never matched Kea's statistics and the states:\n\(body)")
            let s = readStates(states)
            // Kea's statistics under kea-exporter's names.
            for (operation, stat) in [("discover", "pkt4-discover-received"), ("request", "pkt4-request-received")] {
                #expect(samples.value("kea_dhcp4_packets_received_total", ["operation": operation]) == Double(k.values[stat] ?? -1))
            }
            #expect(samples.value("kea_dhcp4_packets_sent_total", ["operation": "offer"]) == Double(k.values["pkt4-offer-sent"] ?? -1))
            let subnet = ["subnet": "198.18.0.0/16", "subnet_id": "1", "pool": ""]
            #expect(samples.value("kea_dhcp4_addresses_assigned_total", subnet) == Double(k.values["subnet[1].assigned-addresses"] ?? -1))
            #expect(samples.value("kea_dhcp4_addresses_total", subnet) == Double(k.values["subnet[1].total-addresses"] ?? -1))
            // The tc program's counters and histograms.
            #expect(samples.value("kea_edge_packets_total", ["probe": "tc", "dhcp": "4", "direction": "in", "type": "discover"]) == Double(sum(s, "tc_in_discover")))
            #expect(samples.value("kea_edge_packets_total", ["probe": "tc", "dhcp": "4", "direction": "out", "type": "ack"]) == Double(sum(s, "tc_out_ack")))
            let offers = Double(metricTotal(s, "discover_offer_latency"))
            #expect(offers > 0)
            #expect(samples.value("kea_edge_latency_seconds_count", ["probe": "tc", "exchange": "discover_offer"]) == offers)
            #expect(samples.value("kea_edge_latency_seconds_bucket", ["probe": "tc", "exchange": "discover_offer", "le": "+Inf"]) == offers)
            let latencySum = samples.value("kea_edge_latency_seconds_sum", ["probe": "tc", "exchange": "discover_offer"]) ?? 0
            #expect(latencySum > 0 && latencySum / offers < 1, "mean DISCOVER→OFFER \(latencySum / offers) s")
            // Health.
            #expect(samples.value("kea_edge_bpf_attached", ["source": "prom", "probe": "tc"]) == 1)
            #expect(samples.value("kea_edge_kea_up", ["source": "prom"]) == 1)
            #expect((samples.value("kea_edge_last_publish_timestamp_seconds", ["source": "prom"]) ?? 0) >= started)
            #expect(try await promtoolProblems(body) == nil, "promtool check metrics failed")

            // Kea goes away: its families disappear, kea_up drops to 0.
            _ = try await command([KeaLab.script, "kea-stop", lab.name, lab.directory])
            let gone = try await eventually(10) {
                guard let text = try await scrape(namespace: lab.serverNamespace, port: metricsPort) else { return false }
                let now = parseExposition(text)
                return now.value("kea_edge_kea_up", ["source": "prom"]) == 0 && !text.contains("kea_dhcp4_")
            }
            #expect(gone, "Kea's families stayed after Kea stopped")
            try execution.send(signal: .terminate)
        }
        #expect(result.terminationStatus.isSuccess)
    }

    @Test(
        "a real Kea's kea-edge run --send and an import edge → broker → kea-edge aggregate: one state, Kea's counts intact",
        requiresKeaLab, .enabled(if: MosquittoBroker.executablePath != nil, "mosquitto is not installed"))
    func realKeaEdgeAggregated() async throws {
        let build = try await command([repositoryRoot + "/scripts/kea-build-bpf.sh"])
        try #require(build.ok, "scripts/kea-build-bpf.sh failed: \(build.error)")
        let lab = try await KeaLab.up()
        do {
            try await realKeaEdgeAggregated(lab: lab)
        } catch {
            for name in ["edge", "aggregate", "broker"] {
                print("\(name) log:\n" + ((try? SystemSupport.readText(lab.directory + "/\(name).stderr")) ?? ""))
            }
            await lab.down()
            throw error
        }
        await lab.down()
    }

    /// The broker, the aggregator and the edge all run in the DHCP server's namespace (the edge must, to attach its
    /// tc program there; the others share its loopback); the store is an ordinary directory.
    func realKeaEdgeAggregated(lab: KeaLab) async throws {
        let keaEdge = buildProductsDirectory() + "/kea-edge"
        let dir = lab.directory
        let inNamespace = ["netns", "exec", lab.serverNamespace]
        let port = try freeLoopbackPort()
        let url = "mqtt://127.0.0.1:\(port)"
        try SystemSupport.writeText(dir + "/broker.conf", "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n")
        let broker = try BackgroundProcess(
            "/usr/sbin/ip", inNamespace + [try #require(MosquittoBroker.executablePath), "-c", dir + "/broker.conf"],
            directory: dir, name: "broker")
        defer { Task { await broker.stop() } }
        let aggregator = try BackgroundProcess(
            "/usr/sbin/ip", inNamespace + [
                keaEdge, "aggregate", "--store", dir + "/store", "--namespace", "metrics", "--broker", url, "--batch-delay", "0.2",
                "--interval", "1", "--stale-after", "600", "--window", "600", "--log-level", "debug",
                "--journal", dir + "/aggregate.journal",
            ], directory: dir, name: "aggregate")
        defer { Task { await aggregator.stop() } }
        let kea = KeaControlClient(endpoint: .unixSocket(path: lab.socket))
        let edge = try BackgroundProcess(
            "/usr/sbin/ip", inNamespace + [
                keaEdge, "run", "--interface", lab.serverInterface, "--kea-socket", lab.socket, "--interval", "1", "--source", "real-kea",
                "--bpf-object", repositoryRoot + "/.build-bpf/dhcp_tc.bpf.o", "--send", url, "--spool", dir + "/spool-real",
            ], directory: dir, name: "edge")
        defer { Task { await edge.stop() } }

        func held() async throws -> [MetricsState] {
            guard let state = try await loadStore(dir + "/store/metrics") else { return [] }
            return try MetricsState.all(in: state)
        }
        // The real edge's intervals reach the aggregated state (its first ones may predate the aggregator's session).
        try #require(await eventually(30) { try await held().contains { $0.source == "real-kea" } }, "no interval of real-kea was aggregated")
        #expect(try await lab.udhcpc(), "busybox udhcpc got no lease")
        _ = try await lab.perfdhcp(["-r", "100", "-p", "2", "-R", "10000"])
        // A second edge without Kea (an import of the BCC fixture) into the same aggregated state.
        let imported = try await command(["ip"] + inNamespace + [
            keaEdge, "import", fixtures + "/kea-metrics-bcc.txt", "--source", "bcc-import", "--timestamp", "2026-11-22T12:00:00Z",
            "--send", url, "--spool", dir + "/spool-import", "--send-timeout", "15",
        ])
        #expect(imported.ok, "kea-edge import --send failed: \(imported.error)")
        // Quiet now: the edge's counters are per interval and every interval with traffic came after the aggregator
        // held real-kea's first one, so the aggregated intervals add up to Kea's own statistics, seen by the tc
        // program and by Kea alike; and the import edge is there too.
        var k = KeaStatistics(values: [:])
        let consistent = try await eventually(30) {
            k = try await kea.statistics()
            let states = try await held()
            let real = states.filter { $0.source == "real-kea" }
            let acks = k.values["pkt4-ack-sent"] ?? -1
            return states.contains { $0.source == "bcc-import" } && acks > 0
                && sum(real, "tc_out_ack") == acks && sum(real, "pkt4-ack-sent") == acks
        }
        let states = try await held()
        let real = states.filter { $0.source == "real-kea" }
        #expect(consistent, "aggregated: \(real.count) real-kea intervals, tc_out_ack \(sum(real, "tc_out_ack")), pkt4-ack-sent \(sum(real, "pkt4-ack-sent")); Kea: \(k.values["pkt4-ack-sent"] ?? -1)")
        #expect(Set(states.map(\.source)) == ["real-kea", "bcc-import"])
        let sources = try HollowObjectMapper().readAll(HollowMetricsSource.self, from: try #require(try await loadStore(dir + "/store/metrics")))
        #expect(Set(sources.map(\.source)) == ["real-kea", "bcc-import"])
        #expect(sources.allSatisfy { !$0.stale })
    }

    @Test("a tc filter left by a SIGKILLed kea-edge is found and replaced at the next start", requiresKeaLab)
    func staleFilterAfterSIGKILL() async throws {
        let build = try await command([repositoryRoot + "/scripts/kea-build-bpf.sh"])
        try #require(build.ok, "scripts/kea-build-bpf.sh failed: \(build.error)")
        let lab = try await KeaLab.up()
        do {
            try await staleFilter(lab: lab)
        } catch {
            print("kea-edge logs:\n" + ((try? SystemSupport.readText(lab.directory + "/edge2.log")) ?? ""))
            await lab.down()
            throw error
        }
        await lab.down()
    }

    func staleFilter(lab: KeaLab) async throws {
        let keaEdge = buildProductsDirectory() + "/kea-edge"
        let object = repositoryRoot + "/.build-bpf/dhcp_tc.bpf.o"
        func script(_ n: Int) -> String {
            "exec ip netns exec \(lab.serverNamespace) \(keaEdge) run --interface \(lab.serverInterface) --kea-socket \(lab.socket) "
                + "--json-lines \(lab.directory)/states\(n).jsonl --interval 1 --source kill\(n) --bpf-object \(object) 2> \(lab.directory)/edge\(n).log"
        }
        // First run: attached, then SIGKILLed: no chance to detach.
        let first = try await run(.name("sh"), arguments: ["-c", script(1)], input: .none, output: .discarded, error: .discarded) {
            execution in
            try #require(await eventually(20) { !readStates(lab.directory + "/states1.jsonl").isEmpty }, "the first kea-edge published nothing")
            try execution.send(signal: .kill)
        }
        #expect(!first.terminationStatus.isSuccess, "SIGKILL ends the process")
        let stale = try await lab.tcState()
        #expect(stale.contains("kea_edge_ingres") && stale.contains("kea_edge_egres"), "the killed run's filters should still be attached: \(stale)")
        // `kea_edge_ingres:[ID]`: the program name and id of each attached filter.
        func programs(_ text: String) -> Set<String> {
            Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0.hasPrefix("kea_edge_") && $0.contains(":[") }.map(String.init))
        }
        let staleIDs = programs(stale)
        #expect(staleIDs.count == 2)

        // Second run: replaces them (same handle and priority, new program), measures, and detaches on SIGTERM.
        let states = lab.directory + "/states2.jsonl", log = lab.directory + "/edge2.log"
        let second = try await run(.name("sh"), arguments: ["-c", script(2)], input: .none, output: .discarded, error: .discarded) {
            execution in
            try #require(await eventually(20) { !readStates(states).isEmpty }, "the second kea-edge published nothing")
            let text = (try? SystemSupport.readText(log)) ?? ""
            #expect(text.contains("replacing a kea-edge tc filter left on \(lab.serverInterface) ingress"))
            #expect(text.contains("replacing a kea-edge tc filter left on \(lab.serverInterface) egress"))
            let replaced = try await lab.tcState()
            let ingress = replaced.split(separator: "\n").filter { $0.contains("kea_edge_ingres") }.count
            let egress = replaced.split(separator: "\n").filter { $0.contains("kea_edge_egres") }.count
            #expect(ingress == 1 && egress == 1, "exactly one kea-edge filter per direction: \(replaced)")
            #expect(programs(replaced).isDisjoint(with: staleIDs), "the new run's programs replaced the old ones: \(replaced)")
            // The replacement measures: one real exchange is counted once.
            #expect(try await lab.udhcpc())
            #expect(await eventually(10) { sum(readStates(states), "tc_out_ack") == 1 }, "the replacement did not count the ACK exactly once")
            try execution.send(signal: .terminate)
        }
        #expect(second.terminationStatus.isSuccess)
        let after = try await lab.tcState()
        #expect(!after.contains("kea_edge"), "left attached after the second run: \(after)")
    }

    @Test(
        "run --store --keep N: old blobs are deleted after each cycle, the announced window stays readable",
        .enabled(if: keaEdgeBuilt, "the kea-edge executable was not built next to the tests"))
    func keepVersions() async throws {
        let keaEdge = buildProductsDirectory() + "/kea-edge"
        let dir = try makeTempDirectory(prefix: "kea-edge-keep")
        defer { _ = system("rm -rf \(dir)") }
        let store = dir + "/store", states = dir + "/states.jsonl"
        // No interface, no Kea: every interval is still one cycle, a snapshot every second cycle.
        let script = "exec \(keaEdge) run --store \(store) --namespace edge --keep 2 --states-between-snapshots 1 "
            + "--json-lines \(states) --interval 1 --window 100 --source keep --log-level debug 2> \(dir)/edge.log"
        let result = try await run(.name("sh"), arguments: ["-c", script], input: .none, output: .discarded, error: .discarded) {
            execution in
            let enough = await eventually(40) { readStates(states).count >= 9 }
            #expect(enough, "kea-edge published \(readStates(states).count) states")
            try execution.send(signal: .terminate)
        }
        #expect(result.terminationStatus.isSuccess)
        let files = try FilesystemStoreLocation(path: store, namespace: "edge").directory
        let names = (try await command(["ls", files])).output.split(separator: "\n").map(String.init)
        let snapshots = names.filter { $0.hasPrefix("snapshot-") }
        #expect(snapshots.count <= 3, "the newest 2 snapshots (+ the announced version's base) are kept: \(names)")
        let published = try #require(try await loadStore(store + "/edge"), "the announced state no longer loads")
        let records = try records(published, type: "MetricsState")
        #expect(records.count == readStates(states).count, "the window holds every interval")
        // At least 5 snapshots were written (cycles 1, 3, 5, 7, 9): the cleaner deleted the older ones.
        #expect(((try? SystemSupport.readText(dir + "/edge.log")) ?? "").contains("cleaned the store"))
    }
}
