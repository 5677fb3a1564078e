import Foundation
import HollowTestSupport
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The executables' operational shell: logs on standard error, data on standard output, graceful shutdown on
/// SIGTERM, and Prometheus metrics checked with the real `promtool` and scraped by a real `prometheus`.
enum OperationalShell {
    static let schema = """
        Movie @PrimaryKey(id) { long id; String title; }
        String { string value; }
        """

    /// A store `root/movies` with one published version per entry of `cycles` (records per cycle).
    static func publish(root: URL, scratch: URL, cycle: Int, count: Int = 50) async throws {
        try PublishCLI.write(Self.schema, scratch, "schema.txt")
        var records = ""
        for id in 0..<count { records += #"{"id":\#(id),"title":"title \#(id) @\#(cycle)"}"# + "\n" }
        try PublishCLI.write(records, scratch, "c\(cycle).json")
        let r = try await LifecycleCLI.hollow([
            "publish", "--store", root.appendingPathComponent("movies").path,
            "--schema", scratch.appendingPathComponent("schema.txt").path,
            "--type", "Movie", "--data", scratch.appendingPathComponent("c\(cycle).json").path,
        ])
        #expect(r.status == 0, "publish cycle \(cycle): \(r.stderr)")
    }

    /// The JSON objects of `text`'s lines, and the lines that are not JSON objects.
    static func jsonLines(_ text: String) -> (objects: [[String: Any]], other: [String]) {
        var objects: [[String: Any]] = []
        var other: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                objects.append(object)
            } else {
                other.append(String(line))
            }
        }
        return (objects, other)
    }

    /// Whether `hollow watch`'s standard output has a refresh line for `version`.
    static func refreshed(_ process: BackgroundProcess, to version: Int) -> Bool {
        jsonLines(process.standardOutput).objects.contains {
            $0["event"] as? String == "refresh" && ($0["version"] as? NSNumber)?.intValue == version
        }
    }

    /// The built `kea-edge`, next to `hollow`.
    static var keaEdge: String? {
        guard let hollow = PublishCLI.binary else { return nil }
        let path = URL(fileURLWithPath: hollow).deletingLastPathComponent().appendingPathComponent("kea-edge").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}

@Suite(
    "hollow watch: data on stdout, logs on stderr, graceful SIGTERM",
    .enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"),
    .enabled(if: MosquittoBroker.isAvailable && MosquittoBroker.external == nil, Comment(rawValue: MosquittoBroker.skipReason)),
    .timeLimit(.minutes(2)))
struct WatchShellTests {
    @Test func stdoutIsJSONLinesOnlyWhileTheBrokerIsDownAndSIGTERMExitsZero() async throws {
        let scratch = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let root = scratch.appendingPathComponent("root")
        try await OperationalShell.publish(root: root, scratch: scratch, cycle: 1)
        let broker = try await MosquittoBroker.start()
        let metricsPort = try freeLoopbackPort()
        let watch = try BackgroundProcess(
            PublishCLI.binary!,
            [
                "watch", "--store", root.path, "--namespace", "movies", "--broker", "mqtt://127.0.0.1:\(broker.port)",
                "--id", "shell-test", "--log-level", "debug", "--metrics-listen", "127.0.0.1:\(metricsPort)",
            ],
            directory: scratch.path, name: "watch")
        do {
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/movies/announced", "-m", "1"])
            let loaded = await BackgroundProcess.eventually { OperationalShell.refreshed(watch, to: 1) }
            try #require(loaded, "no refresh to version 1; stdout: \(watch.standardOutput) stderr: \(watch.standardError)")
            // The watcher's metrics: the announcement it received, exported with the consumer's. The exporter is a
            // service of its own and may bind its port after the first refresh: wait until it answers.
            let serving = await BackgroundProcess.eventually { (try? await httpGet(port: metricsPort, path: "/metrics")) != nil }
            try #require(serving, "the metrics endpoint never answered; stderr: \(watch.standardError)")
            let metrics = try await httpGet(port: metricsPort, path: "/metrics").body
            #expect(metrics.contains(#"hollow_watcher_messages_total{namespace="movies",topic_kind="announced"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"hollow_consumer_version{namespace="movies"} 1"#), "\(metrics)")
            if PrometheusServer.promtoolPath != nil {
                let check = try await PrometheusServer.check(metrics: metrics)
                #expect(check.exitCode == 0, "promtool check metrics: \(check.output)")
            }

            // The broker goes away: the client logs the lost connection and its reconnect attempts.
            await broker.kill()
            let logged = await BackgroundProcess.eventually { watch.standardError.contains("connection lost") }
            #expect(logged, "no log of the lost connection on stderr: \(watch.standardError)")
            // A version announced in the store meanwhile is not seen (no broker), and nothing else reaches stdout.
            try await OperationalShell.publish(root: root, scratch: scratch, cycle: 2)
            try await Task.sleep(for: .seconds(2))  // let a reconnect attempt fail and be logged

            let start = ContinuousClock.now
            let status = try await watch.signalAndWait(SIGTERM)
            let stopping = ContinuousClock.now - start
            #expect(status == .exited(0), "hollow watch ended with \(status) on SIGTERM; stderr: \(watch.standardError)")
            // A hang guard, not a speed goal: graceful shutdown must not wait for a broker that is gone (such a wait
            // does not end while the broker stays down). Generous because CI runs this beside
            // CPU-bound suites on two cores: a 17.7 s stop was measured there for a process that stops in ~5 ms
            // when this test runs alone.
            #expect(stopping < .seconds(45), "hollow watch took \(stopping) to stop after SIGTERM")

            let (objects, other) = OperationalShell.jsonLines(watch.standardOutput)
            #expect(other.isEmpty, "stdout carries non-JSON lines: \(other)")
            #expect(!objects.isEmpty)
            #expect(objects.allSatisfy { $0["event"] is String }, "stdout: \(watch.standardOutput)")
            #expect(watch.standardError.contains("debug"), "--log-level debug did not reach stderr")
        } catch {
            await watch.stop()
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    @Test func sigtermStopsAPollingWatchWithExitZero() async throws {
        let scratch = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let root = scratch.appendingPathComponent("root")
        try await OperationalShell.publish(root: root, scratch: scratch, cycle: 1)
        let watch = try BackgroundProcess(
            PublishCLI.binary!, ["watch", "--store", root.path, "--namespace", "movies", "--poll-interval", "0.1"],
            directory: scratch.path, name: "watch")
        let loaded = await BackgroundProcess.eventually { OperationalShell.refreshed(watch, to: 1) }
        guard loaded else {
            await watch.stop()
            Issue.record("no refresh to version 1; stderr: \(watch.standardError)")
            return
        }
        let start = ContinuousClock.now
        let status = try await watch.signalAndWait(SIGTERM)
        let stopping = ContinuousClock.now - start
        #expect(status == .exited(0), "stderr: \(watch.standardError)")
        // A hang guard (see above), not a speed goal.
        #expect(stopping < .seconds(45), "hollow watch took \(stopping) to stop after SIGTERM")
        #expect(OperationalShell.jsonLines(watch.standardOutput).other.isEmpty, "stdout: \(watch.standardOutput)")
    }
}

@Suite(
    "Prometheus metrics of hollow watch, hollow explore and kea-edge run",
    .enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"),
    .enabled(if: PrometheusServer.promtoolPath != nil && PrometheusServer.executablePath != nil,
             Comment(rawValue: PrometheusServer.skipReason)),
    .timeLimit(.minutes(3)))
struct PrometheusMetricsTests {
    /// Scrapes `/metrics` on `port` and runs `promtool check metrics` on it.
    static func scrapeAndCheck(port: Int, _ what: String) async throws -> String {
        let response = try await httpGet(port: port, path: "/metrics")
        #expect(response.status == 200, "\(what): GET /metrics gave \(response.status)")
        let check = try await PrometheusServer.check(metrics: response.body)
        #expect(check.exitCode == 0, "promtool check metrics on \(what): \(check.output)\n\(response.body)")
        return response.body
    }

    @Test func hollowWatchMetricsPassPromtoolAndPrometheusQueriesTheVersion() async throws {
        let scratch = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let root = scratch.appendingPathComponent("root")
        try await OperationalShell.publish(root: root, scratch: scratch, cycle: 1)
        let metricsPort = try freeLoopbackPort()
        let watch = try BackgroundProcess(
            PublishCLI.binary!,
            [
                "watch", "--store", root.path, "--namespace", "movies", "--poll-interval", "0.1",
                "--metrics-listen", "127.0.0.1:\(metricsPort)",
            ],
            directory: scratch.path, name: "watch")
        let prometheus: PrometheusServer
        do {
            prometheus = try await PrometheusServer.start(scraping: ["127.0.0.1:\(metricsPort)"])
        } catch {
            await watch.stop()
            throw error
        }
        do {
            try #require(await BackgroundProcess.eventually { OperationalShell.refreshed(watch, to: 1) })
            try await OperationalShell.publish(root: root, scratch: scratch, cycle: 2)
            try #require(await BackgroundProcess.eventually { OperationalShell.refreshed(watch, to: 2) })

            let body = try await Self.scrapeAndCheck(port: metricsPort, "hollow watch")
            #expect(body.contains(#"hollow_consumer_version{namespace="movies"} 2"#), "\(body)")
            #expect(body.contains(#"hollow_consumer_deltas_applied_total{namespace="movies"} 1"#), "\(body)")
            #expect(body.contains("# HELP hollow_consumer_refresh_duration_seconds"))

            // The real server scrapes the watcher every second; ask it for the version.
            var answer: [(labels: [String: String], value: String)] = []
            let answered = try await BackgroundProcess.eventually {
                answer = try await prometheus.query(#"hollow_consumer_version{namespace="movies"}"#)
                return answer.first?.value == "2"
            }
            #expect(answered, "Prometheus answered \(answer.map(\.value)); its log:\n\(prometheus.log)")
            let failures = try await prometheus.query("hollow_consumer_refresh_failures_total")
            #expect(failures.map(\.value) == ["0"])
        } catch {
            await prometheus.stop()
            await watch.stop()
            throw error
        }
        await prometheus.stop()
        await watch.stop()
    }

    @Test func hollowExploreMetricsPassPromtool() async throws {
        let scratch = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let root = scratch.appendingPathComponent("root")
        try await OperationalShell.publish(root: root, scratch: scratch, cycle: 1)
        let port = try freeLoopbackPort()
        let metricsPort = try freeLoopbackPort()
        let explore = try BackgroundProcess(
            PublishCLI.binary!,
            [
                "explore", "--store", root.path, "--namespace", "movies", "--listen", "127.0.0.1:\(port)",
                "--metrics-listen", "127.0.0.1:\(metricsPort)",
            ],
            directory: scratch.path, name: "explore")
        do {
            let up = await BackgroundProcess.eventually { ((try? await httpGet(port: port, path: "/"))?.status ?? 0) == 200 }
            try #require(up, "the explorer did not serve /; stderr: \(explore.standardError)")
            // The request is counted once its response has been written: wait for it before checking.
            let counted = await BackgroundProcess.eventually {
                ((try? await httpGet(port: metricsPort, path: "/metrics"))?.body ?? "").contains("http_server_requests_total")
            }
            let body = try await Self.scrapeAndCheck(port: metricsPort, "hollow explore")
            #expect(counted && body.contains("http_server_requests_total"), "\(body)")
        } catch {
            await explore.stop()
            throw error
        }
        await explore.stop()
    }

    @Test(.enabled(if: OperationalShell.keaEdge != nil, "the kea-edge binary is not built next to the test bundle"))
    func keaEdgeRunMetricsPassPromtool() async throws {
        let scratch = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let metricsPort = try freeLoopbackPort()
        let lines = scratch.appendingPathComponent("states.jsonl").path
        // No interface and no Kea socket: kea-edge keeps measuring what it can (nothing) and publishes each interval,
        // to JSON lines and as Hollow states (its producer's metrics are exported too).
        let run = try BackgroundProcess(
            OperationalShell.keaEdge!,
            [
                "run", "--json-lines", lines, "--store", scratch.appendingPathComponent("store").path, "--namespace", "edge",
                "--interval", "1", "--source", "edge-test", "--metrics-listen", "127.0.0.1:\(metricsPort)",
            ],
            directory: scratch.path, name: "kea-edge")
        do {
            let published = await BackgroundProcess.eventually {
                ((try? String(contentsOfFile: lines, encoding: .utf8)) ?? "").contains("edge-test")
            }
            try #require(published, "kea-edge run published no interval; stderr: \(run.standardError)")
            let body = try await Self.scrapeAndCheck(port: metricsPort, "kea-edge run")
            #expect(body.contains(#"kea_edge_intervals_total{source="edge-test"}"#), "\(body)")
            #expect(body.contains("kea_edge_publish_duration_seconds_bucket"), "\(body)")
            #expect(body.contains(#"hollow_producer_cycles_total{outcome="published"}"#), "\(body)")
            #expect(body.contains(#"hollow_producer_cycle_phase_duration_seconds_count{phase="publish"}"#), "\(body)")
            #expect(body.contains(#"hollow_producer_blob_bytes_total{kind="snapshot"}"#), "\(body)")
            let status = try await run.signalAndWait(SIGTERM)
            #expect(status == .exited(0), "stderr: \(run.standardError)")
        } catch {
            await run.stop()
            throw error
        }
    }
}
