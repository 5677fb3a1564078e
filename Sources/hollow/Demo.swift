import ArgumentParser
import Foundation
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowOperations
import HollowProducer
import HollowZstd
import KeaEdge
import Logging
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// `hollow demo`: the whole pipeline on an embedded default — a private mosquitto on a free loopback port, a
/// store in a temporary directory, a producer publishing the bundled metrics sample every second, two watchers
/// (separate `hollow watch` processes), a pin and an unpin with `mosquitto_pub` — and a timeline with latencies.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the pipeline end to end on a private broker and a temporary store, and print a timeline.")

    @Option(help: "The BCC report the producer publishes (default: examples/data/kea-metrics-bcc.txt).")
    var sample: String = "examples/data/kea-metrics-bcc.txt"
    @Option(help: "Seconds between producer cycles.") var interval: Double = 1
    @Flag(help: "Keep the temporary store (its path is printed).") var keep = false
    @OptionGroup var logging: LoggingOptions

    private static let namespace = "demo"

    func run() async throws {
        let text: String
        do { text = try String(contentsOfFile: sample, encoding: .utf8) } catch {
            throw ValidationError("cannot read the sample '\(sample)': run from the repository root or pass --sample")
        }
        let report = try BCCReport.parse(text)
        let start = epochMillis()
        let timeline = Timeline(start: start)

        let broker = try await PrivateMosquitto.start()
        let store = NSTemporaryDirectory() + "hollow-demo-\(getpid())"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let url = "mqtt://127.0.0.1:\(broker.port)"
        timeline.note("mosquitto listening on 127.0.0.1:\(broker.port); store \(store)/\(Self.namespace)")

        // Two consumers in their own processes: watcher-2 is in the canary group.
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let watchers = [("watcher-1", nil), ("watcher-2", "canary")].map { (id, group) in
            WatcherProcess(exe: exe, id: id, arguments: [
                "watch", "--store", store, "--namespace", Self.namespace, "--broker", url, "--id", id,
            ] + (group.map { ["--group", $0] } ?? []), timeline: timeline)
        }
        for w in watchers { w.start() }

        let logger = logging.bootstrap(label: "hollow.demo", defaultLevel: .error)
        let client = try MQTTClient(configuration: .init(host: "127.0.0.1", port: broker.port, clientID: "hollow-demo-producer"), logger: logger)
        try client.start()
        try await client.waitUntilConnected(timeout: .seconds(5))
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: store, namespace: Self.namespace, compressor: ZstdCompressor()),
            announcer: try MQTTAnnouncer(client: client, namespace: Self.namespace, producerID: "hollow-demo", logger: logger),
            versionMinter: CountingVersionMinter(), logger: logger)
        let sink = try await HollowProducerSink(producer: producer, logger: logger)
        var window = RollingWindow(capacity: 5)

        // Wait for both watchers to be connected (their status topics are retained once they are up).
        try await Task.sleep(for: .milliseconds(800))

        func cycle(_ n: Int) async throws -> Int64 {
            var state = report.metricsState(source: "dhcp-edge-1", timestamp: iso8601(Date()))
            state.aggregates["demo_cycle"] = Int64(n)
            let t = epochMillis()
            window.append(state)
            try await sink.publish(window: window.states)
            let version = await producer.lastAnnouncedVersion ?? -1
            timeline.record(at: t, "producer", "announced v\(version) (window of \(window.states.count) intervals)")
            return version
        }
        func pub(_ args: [String], _ what: String) async throws {
            let t = epochMillis()
            let r = try await Subprocess.run(
                .name("mosquitto_pub"), arguments: Arguments(["-h", "127.0.0.1", "-p", "\(broker.port)"] + args),
                output: .discarded, error: .string(limit: 4096))
            guard r.terminationStatus.isSuccess else { throw CLIError("mosquitto_pub failed: \(r.standardError)") }
            timeline.record(at: t, "operator", "mosquitto_pub \(args.joined(separator: " "))  — \(what)")
        }
        let pause = Duration.milliseconds(Int64(interval * 1000))

        _ = try await cycle(1); try await Task.sleep(for: pause)
        let v2 = try await cycle(2); try await Task.sleep(for: pause)
        _ = try await cycle(3); try await Task.sleep(for: pause / 2)
        try await pub(["-r", "-q", "1", "-t", "hollow/\(Self.namespace)/pin", "-m", "\(v2)"], "pin the namespace to v\(v2)")
        try await Task.sleep(for: pause / 2)
        _ = try await cycle(4); try await Task.sleep(for: pause / 2)
        try await pub(["-r", "-n", "-t", "hollow/\(Self.namespace)/pin"], "unpin the namespace")
        try await Task.sleep(for: pause / 2)
        let v5 = try await cycle(5); try await Task.sleep(for: pause / 2)
        try await pub(["-r", "-q", "1", "-t", "hollow/\(Self.namespace)/pin/canary", "-m", "\(v5)"], "pin group canary to v\(v5)")
        try await Task.sleep(for: pause / 2)
        let v6 = try await cycle(6); try await Task.sleep(for: pause / 2)
        try await pub(["-r", "-n", "-t", "hollow/\(Self.namespace)/pin/canary"], "unpin group canary")

        // Let both watchers converge on the last version, then stop everything we started.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, !watchers.allSatisfy({ $0.version == v6 }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        for w in watchers { await w.stop() }
        await client.shutdown()
        await broker.stop()
        if !keep { try? FileManager.default.removeItem(atPath: store) }

        timeline.print()
        let converged = watchers.allSatisfy { $0.version == v6 }
        print(converged ? "\nboth watchers hold v\(v6): done." : "\nnot every watcher reached v\(v6) — see the timeline above.")
        if keep { print("store kept at \(store)/\(Self.namespace)") }
        if !converged { throw ExitCode.failure }
    }
}

/// Events of the demo, in time order; each refresh shows its latency from the event that caused it (the
/// producer's announcement or the operator's `mosquitto_pub`, whichever came last before it).
final class Timeline: Sendable {
    private struct Event {
        var at: Int64
        var who: String
        var what: String
        var isRefresh = false
    }
    private let start: Int64
    private let events = Mutex<[Event]>([])

    init(start: Int64) { self.start = start }

    func note(_ what: String) { Swift.print("demo: \(what)") }

    func record(at: Int64, _ who: String, _ what: String) {
        events.withLock { $0.append(Event(at: at, who: who, what: what)) }
    }

    /// A watcher's refresh (its own clock reading, epoch milliseconds).
    func refreshed(at: Int64, who: String, version: Int64, pinned: Bool, ms: Double) {
        let what = "now holds v\(version)\(pinned ? " (pinned)" : "") — refresh \(String(format: "%.1f", ms)) ms"
        events.withLock { $0.append(Event(at: at, who: who, what: what, isRefresh: true)) }
    }

    func print() {
        Swift.print("\ntimeline (ms since start; latency = refresh done − the announcement or pin that caused it):")
        var cause: Int64?
        var latencies: [Double] = []
        for e in events.withLock({ $0 }).sorted(by: { $0.at < $1.at }) {
            var line = e.what
            if e.isRefresh, let cause {
                line += " — \(e.at - cause) ms after it"
                latencies.append(Double(e.at - cause))
            } else if !e.isRefresh {
                cause = e.at
            }
            Swift.print(String(format: "%7d  %-10@ %@", e.at - start, e.who as NSString, line as NSString))
        }
        if !latencies.isEmpty {
            let sorted = latencies.sorted()
            Swift.print(String(format: "\nannouncement/pin → watcher holds the new state: median %.0f ms, max %.0f ms over %d refreshes",
                               median(sorted), sorted.last!, sorted.count))
        }
    }
}

/// A `hollow watch` child process whose JSON lines feed the timeline.
final class WatcherProcess: Sendable {
    let exe: String
    let id: String
    let arguments: [String]
    let timeline: Timeline
    private let current = Mutex<Int64?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let stopSignal: AsyncStream<Void>.Continuation
    private let stopStream: AsyncStream<Void>

    init(exe: String, id: String, arguments: [String], timeline: Timeline) {
        self.exe = exe
        self.id = id
        self.arguments = arguments
        self.timeline = timeline
        (stopStream, stopSignal) = AsyncStream.makeStream()
    }

    var version: Int64? { current.withLock { $0 } }

    func start() {
        let t = Task {
            do {
                _ = try await Subprocess.run(
                    .path(FilePath(exe)), arguments: Arguments(arguments), input: .none, output: .sequence, error: .discarded
                ) { execution in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await line in execution.standardOutput.strings() { self.handle(line) }
                        }
                        for await _ in stopStream { break }
                        await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
                        try await group.waitForAll()
                    }
                }
            } catch {
                timeline.record(at: epochMillis(), id, "failed: \(error)")
            }
        }
        task.withLock { $0 = t }
    }

    func stop() async {
        stopSignal.yield()
        stopSignal.finish()
        await task.withLock { $0 }?.value
    }

    private func handle(_ line: String) {
        guard let object = try? JSONValue.parse(line), let event = object["event"]?.string,
              let at = object["epochMs"]?.int64
        else { return }
        if event == "refresh", let v = object["version"]?.int64 {
            current.withLock { $0 = v }
            timeline.refreshed(at: at, who: id, version: v, pinned: object["pinned"]?.bool ?? false,
                               ms: object["ms"]?.double ?? 0)
        } else {
            timeline.record(at: at, id, "refresh failed: \(object["error"]?.string ?? "?")")
        }
    }
}

/// An ISO-8601 UTC timestamp with seconds.
func iso8601(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
}
