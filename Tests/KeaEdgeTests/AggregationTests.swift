import HollowCore
import HollowFilesystem
import HollowTestSupport
import KeaEdge
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `hollow` executable next to kea-edge.
let hollowBuilt = keaEdgeBuilt && access(buildProductsDirectory() + "/hollow", X_OK) == 0

/// Edges (`kea-edge import --send`), a real mosquitto, `kea-edge aggregate` and a `hollow watch` consumer, all real
/// processes on loopback.
@Suite(
    "Central aggregation: edges → broker → kea-edge aggregate → consumer",
    .enabled(if: keaEdgeBuilt, "the kea-edge executable was not built next to the tests"),
    .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)),
    .enabled(if: MosquittoBroker.external == nil, Comment(rawValue: MosquittoBroker.privateBrokerReason)),
    .timeLimit(.minutes(2)))
struct AggregationTests {
    let keaEdge = buildProductsDirectory() + "/kea-edge"
    let input = fixtures + "/kea-metrics-bcc.txt"

    static func timestamp(_ second: Int) -> String { "2026-11-22T12:00:\(second < 10 ? "0" : "")\(second)Z" }

    /// One `kea-edge import --send` of the fixture as `source`'s interval ending at `second`.
    @discardableResult
    func send(
        _ source: String, _ second: Int, url: String, spool: String, credentials: String? = nil, timeout: String = "15"
    ) async throws -> (ok: Bool, output: String, error: String) {
        // A generous timeout: under a loaded parallel suite a connect and PUBACK can take seconds, and an interval
        // not acknowledged in time stays in the spool (the test would then wait for it in vain).
        var args = [
            keaEdge, "import", input, "--source", source, "--timestamp", Self.timestamp(second), "--send", url,
            "--spool", spool, "--send-timeout", timeout,
        ]
        if let credentials { args += ["--credentials", credentials] }
        return try await command(args)
    }

    func startAggregator(
        _ dir: String, url: String, name: String, credentials: String? = nil, batchDelay: String = "0.2",
        logLevel: String = "debug"
    ) throws -> BackgroundProcess {
        var args = [
            "aggregate", "--store", dir + "/store", "--namespace", "metrics", "--broker", url, "--batch-delay", batchDelay,
            "--interval", "1", "--stale-after", "600", "--window", "10", "--log-level", logLevel,
            "--journal", dir + "/aggregate.journal",
        ]
        if let credentials { args += ["--credentials", credentials] }
        return try BackgroundProcess(keaEdge, args, directory: dir, name: name)
    }

    /// The intervals (`source@timestamp`) of the announced aggregated state.
    func held(_ dir: String) async throws -> [String] {
        guard let state = try await loadStore(dir + "/store/metrics") else { return [] }
        return try MetricsState.all(in: state).map { "\($0.source)@\($0.timestamp.dropFirst(17).prefix(2))" }.sorted()
    }

    /// Waits (polling, at most `seconds`) until `condition` holds.
    func eventually(_ what: String, seconds: Int = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        if try await condition() { return }
        Issue.record("timed out waiting for: \(what)")
        throw AggregationTestFailure(what)
    }

    /// The first interval, sent until the aggregator holds it: before its first connection the aggregator has no
    /// session at the broker, so an interval sent that early reaches nobody (a redelivery changes nothing).
    func warmUp(_ dir: String, _ source: String, url: String, spool: String, credentials: String? = nil) async throws {
        for _ in 0..<20 {
            let r = try await send(source, 0, url: url, spool: spool, credentials: credentials)
            #expect(r.ok, "kea-edge import --send failed: \(r.error)")
            let deadline = ContinuousClock.now + .seconds(2)
            while ContinuousClock.now < deadline {
                if try await held(dir).contains("\(source)@00") { return }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw AggregationTestFailure("the aggregator never received \(source)'s first interval")
    }

    @Test(
        "three edges → broker → aggregator → a hollow watch consumer holds one state with all sources",
        .enabled(if: hollowBuilt, "the hollow executable was not built next to the tests"))
    func threeEdgesOneState() async throws {
        try await MosquittoBroker.with { broker in
            let dir = try tempDirectory("aggregation")
            defer { _ = system("rm -rf \(dir)") }
            let url = "mqtt://\(broker.host):\(broker.port)"
            let aggregator = try startAggregator(dir, url: url, name: "aggregate")
            defer { Task { await aggregator.stop() } }
            try SystemSupport.makeDirectories(dir + "/store/metrics")
            let watch = try BackgroundProcess(
                buildProductsDirectory() + "/hollow",
                ["watch", "--store", dir + "/store", "--namespace", "metrics", "--broker", url], directory: dir, name: "watch")
            defer { Task { await watch.stop() } }
            try await warmUp(dir, "edge-1", url: url, spool: dir + "/spool-edge-1")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for edge in 1...3 {
                    group.addTask {
                        for second in 1...2 {
                            let r = try await send("edge-\(edge)", second, url: url, spool: dir + "/spool-edge-\(edge)")
                            #expect(r.ok && r.output.contains("sent 1 intervals; 0 left"), "edge-\(edge): \(r.output) \(r.error)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let expected = ["edge-1@00", "edge-1@01", "edge-1@02", "edge-2@01", "edge-2@02", "edge-3@01", "edge-3@02"]
            try await eventually("the aggregated state holds every interval of the three edges") {
                try await held(dir) == expected
            }
            let announced = try #require(try FilesystemStoreLocation(path: dir + "/store", namespace: "metrics").announcedVersion())
            try await eventually("hollow watch refreshed to version \(announced)") {
                watch.standardOutput.split(separator: "\n").contains {
                    $0.contains("\"event\":\"refresh\"") && $0.contains("\"version\":\(announced)")
                }
            }
            let state = try #require(try await loadStore(dir + "/store/metrics"))
            let sources = try HollowObjectMapper().readAll(HollowMetricsSource.self, from: state)
            #expect(Set(sources.map(\.source)) == ["edge-1", "edge-2", "edge-3"])
            #expect(sources.allSatisfy { !$0.stale })
            // The records have the single-edge MetricsState schema: the fixture's state, saturated for Hollow.
            let expectedState = try BCCReport.parse(try SystemSupport.readText(input))
                .metricsState(source: "edge-3", timestamp: Self.timestamp(2)).saturatedForHollow().state
            #expect(try MetricsState.all(in: state).contains(expectedState))
        }
    }

    @Test("an edge cut off from the broker spools its intervals and delivers them all after reconnecting")
    func cutOffEdgeCatchesUp() async throws {
        try await MosquittoBroker.with { broker in
            let dir = try tempDirectory("aggregation-cutoff")
            defer { _ = system("rm -rf \(dir)") }
            let url = "mqtt://\(broker.host):\(broker.port)"
            let aggregator = try startAggregator(dir, url: url, name: "aggregate")
            defer { Task { await aggregator.stop() } }
            try await warmUp(dir, "edge-1", url: url, spool: dir + "/spool-1")
            // edge-2 loses the broker for three intervals (nothing listens on its port meanwhile).
            let unreachable = "mqtt://127.0.0.1:\(try freeLoopbackPort())"
            try await send("edge-2", 1, url: url, spool: dir + "/spool-2")
            for second in 2...4 {
                let r = try await send("edge-2", second, url: unreachable, spool: dir + "/spool-2", timeout: "1")
                #expect(r.ok, "an unreachable broker is not an error: \(r.error)")
                #expect(r.output.contains("sent 0 intervals; \(second - 1) left in the spool"), "\(r.output)")
                try await send("edge-1", second, url: url, spool: dir + "/spool-1")
            }
            let back = try await send("edge-2", 5, url: url, spool: dir + "/spool-2")
            #expect(back.output.contains("sent 4 intervals; 0 left in the spool"), "\(back.output) \(back.error)")
            let expected = ["edge-1@00", "edge-1@02", "edge-1@03", "edge-1@04"] + (1...5).map { "edge-2@0\($0)" }
            try await eventually("every interval of the cut-off edge arrived") { try await held(dir) == expected }
        }
    }

    @Test("the aggregator restarted mid-stream continues its chain and loses nothing sent while it was down")
    func aggregatorRestart() async throws {
        try await MosquittoBroker.with { broker in
            let dir = try tempDirectory("aggregation-restart")
            defer { _ = system("rm -rf \(dir)") }
            let url = "mqtt://\(broker.host):\(broker.port)"
            let first = try startAggregator(dir, url: url, name: "aggregate-1")
            defer { Task { await first.stop() } }
            try await warmUp(dir, "edge-1", url: url, spool: dir + "/spool-1")
            try await send("edge-2", 1, url: url, spool: dir + "/spool-2")
            try await eventually("edge-2's first interval") { try await held(dir).contains("edge-2@01") }
            _ = try await first.signalAndWait(SIGTERM)
            let store = try FilesystemStoreLocation(path: dir + "/store", namespace: "metrics")
            let before = try #require(try store.announcedVersion())
            // Sent while the aggregator is down: the broker keeps them in the aggregator's persistent session.
            for second in 2...3 {
                for edge in 1...2 {
                    let r = try await send("edge-\(edge)", second, url: url, spool: dir + "/spool-\(edge)")
                    #expect(r.output.contains("sent 1 intervals; 0 left"), "\(r.output) \(r.error)")
                }
            }
            let second = try startAggregator(dir, url: url, name: "aggregate-2")
            defer { Task { await second.stop() } }
            let expected = ["edge-1@00", "edge-1@02", "edge-1@03", "edge-2@01", "edge-2@02", "edge-2@03"]
            try await eventually("the restarted aggregator received what was sent while it was down") {
                try await held(dir) == expected
            }
            #expect(second.standardError.contains("continuing the store's chain from version \(before)"), "\(second.standardError)")
            let after = try #require(try store.announcedVersion())
            let files = try listDirectory(store.directory)
            #expect(files.contains { $0.hasPrefix("delta-\(before)-") }, "the restarted aggregator's delta continues from \(before): \(files)")
            #expect(after > before)
        }
    }

    @Test("an aggregator killed after acknowledging intervals it had not published yet loses none of them")
    func aggregatorKilledBeforePublishing() async throws {
        try await MosquittoBroker.with { broker in
            let dir = try tempDirectory("aggregation-kill")
            defer { _ = system("rm -rf \(dir)") }
            let url = "mqtt://\(broker.host):\(broker.port)"
            let first = try startAggregator(dir, url: url, name: "aggregate-1")
            defer { Task { await first.stop() } }
            try await warmUp(dir, "edge-1", url: url, spool: dir + "/spool-1")
            _ = try await first.signalAndWait(SIGTERM)
            // The second one publishes only after an hour: whatever it receives is acknowledged to the broker (and
            // removed from the edges' spools) but not in any published state when it is killed.
            let second = try startAggregator(dir, url: url, name: "aggregate-2", batchDelay: "3600", logLevel: "trace")
            defer { Task { await second.stop() } }
            for edge in 1...2 {
                let r = try await send("edge-\(edge)", 1, url: url, spool: dir + "/spool-\(edge)")
                #expect(r.output.contains("sent 1 intervals; 0 left"), "\(r.output) \(r.error)")
            }
            try await eventually("the second aggregator received both intervals") {
                let lines = second.standardError.split(separator: "\n").filter { $0.contains("interval added") }
                return lines.contains { $0.contains("edge-1") } && lines.contains { $0.contains("edge-2") }
            }
            _ = try await second.signalAndWait(SIGKILL)
            #expect(try await held(dir) == ["edge-1@00"], "nothing was published before the kill")
            let third = try startAggregator(dir, url: url, name: "aggregate-3")
            defer { Task { await third.stop() } }
            try await eventually("the restarted aggregator published the acknowledged intervals from its journal") {
                try await held(dir) == ["edge-1@00", "edge-1@01", "edge-2@01"]
            }
            #expect(third.standardError.contains("replayed the journal"), "\(third.standardError)")
        }
    }

    @Test(
        "with broker/acl an edge writes only its own source topic: not another edge's, not an announcement",
        .enabled(if: which("mosquitto_passwd") && which("mosquitto_sub") && which("openssl"), "mosquitto-clients/openssl missing"))
    func aclConfinesEdges() async throws {
        let dir = try tempDirectory("aggregation-acl")
        defer { _ = system("rm -rf \(dir)") }
        let credentials = dir + "/credentials"
        let made = try await MosquittoBroker.runTool(
            "bash", [repositoryRoot + "/broker/make-passwords.sh", dir + "/passwd", "edge-1", "edge-2"],
            environment: ["HOLLOW_CREDENTIALS_DIR": credentials, "HOLLOW_CONSUMER_PASSWORD": "c-secret"])
        try #require(made.exitCode == 0, "make-passwords.sh: \(made.output)")
        let broker = try await MosquittoBroker.start(
            options: .init(passwordFile: dir + "/passwd", aclFile: repositoryRoot + "/broker/acl"))
        do {
            let url = "mqtt://\(broker.host):\(broker.port)"
            let aggregator = try startAggregator(
                dir, url: url, name: "aggregate", credentials: credentials + "/aggregator.credentials")
            defer { Task { await aggregator.stop() } }
            try await warmUp(dir, "edge-1", url: url, spool: dir + "/spool-1", credentials: credentials + "/edge-1.credentials")

            // edge-1's login cannot send as edge-2: the broker refuses the publish (MQTT 5 PUBACK), the edge drops it.
            let rogue = try await send("edge-2", 1, url: url, spool: dir + "/spool-rogue", credentials: credentials + "/edge-1.credentials")
            #expect(!rogue.ok)
            #expect(rogue.output.contains("1 refused by the broker"), "\(rogue.output)")
            #expect(rogue.error.contains("Not authorized") || rogue.error.contains("refused"), "\(rogue.error)")
            // nor announce (mosquitto_pub, MQTT 5).
            let announce = try await broker.mosquittoPub(
                ["-V", "mqttv5", "-r", "-q", "1", "-t", "hollow/metrics/announced", "-m", "999999"],
                username: "edge-1", password: try password(credentials + "/edge-1.credentials"))
            // edge-2 with its own login can.
            try await send("edge-2", 2, url: url, spool: dir + "/spool-2", credentials: credentials + "/edge-2.credentials")
            try await eventually("edge-2's own interval") { try await held(dir).contains("edge-2@02") }
            #expect(try await held(dir) == ["edge-1@00", "edge-2@02"], "edge-1's interval sent as edge-2 must not arrive")
            let retained = try await broker.mosquittoSub(
                ["-t", "hollow/metrics/announced", "-C", "1", "-W", "5"], username: "consumer", password: "c-secret")
            #expect(retained.output.contains("\"version\""), "the aggregator's announcement stays: \(retained.output) (\(announce.output))")
            #expect(!retained.output.contains("999999"))
            await broker.stop()
        } catch {
            await broker.stop()
            throw error
        }
    }
}

/// The password of a `USER:PASSWORD` credentials file.
func password(_ path: String) throws -> String {
    let line = try SystemSupport.readText(path).split(separator: "\n").first ?? ""
    return String(line.split(separator: ":", maxSplits: 1).last ?? "")
}

/// The names in a directory.
func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw AggregationTestFailure("cannot open \(path)") }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

struct AggregationTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
