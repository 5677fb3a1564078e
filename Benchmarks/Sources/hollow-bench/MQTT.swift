import ArgumentParser
import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowOperations
import Logging
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `hollow-bench mqtt`: announce → `triggerAsyncRefresh` latency for 1, 100 and 1,000 watchers (each its own MQTT
/// connection) on a private mosquitto, side by side with Java's 1-second polling watcher (modelled).
///
/// libmosquitto waits on its sockets with `pselect`, so one process can hold at most ~300 clients (3 file
/// descriptors each, FD_SETSIZE 1024). The watchers therefore run in worker processes (`hollow-bench mqtt worker`,
/// at most 250 watchers each), which timestamp every trigger with CLOCK_MONOTONIC (system-wide) and report
/// per announcement; the announcer runs in this process.
struct BenchMQTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Announce-to-trigger latency over MQTT for 1/100/1000 watchers vs 1 s polling (private mosquitto).",
        subcommands: [BenchMQTTWorker.self])

    @Option(help: "Comma-separated watcher counts.") var watchers: String = "1,100,1000"
    @Option(help: "Announcements per run.") var announcements: Int = 100
    @Option(help: "Runs per watcher count (medians are reported).") var runs: Int = 5
    @Option(help: "Watchers per worker process (at most ~300: libmosquitto uses pselect).") var perWorker: Int = 250
    @Option(help: "Use this broker (host:port) instead of starting a private mosquitto.") var broker: String?
    @Option(help: "QoS of the watchers' subscriptions (0 or 1).") var qos: Int = 1
    @Option(help: "Comma-separated counts of real consumers for announce → new state held (empty: skip).")
    var stateConsumers: String = "100"
    @Option(help: "Store for the state measurement (versions 2 and 3 with deltas between them).")
    var store: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/HollowCoreTests/Fixtures/java-hollow/metrics").path

    func run() async throws {
        let counts = try watchers.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else { throw ValidationError("bad watcher count '\(s)'") }
            return n
        }
        guard announcements > 0, runs > 0 else { throw ValidationError("--announcements and --runs must be positive") }
        guard (1...300).contains(perWorker) else { throw ValidationError("--per-worker must be 1...300") }
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos must be 0 or 1") }
        let (host, port, privateBroker): (String, Int, PrivateMosquitto?)
        if let broker {
            guard let colon = broker.lastIndex(of: ":"), let p = Int(broker[broker.index(after: colon)...]) else {
                throw ValidationError("--broker must be host:port")
            }
            (host, port, privateBroker) = (String(broker[..<colon]), p, nil)
        } else {
            let b = try await PrivateMosquitto.start()
            (host, port, privateBroker) = ("127.0.0.1", b.port, b)
        }
        print("MQTT announce → triggerAsyncRefresh latency; broker \(host):\(port); \(announcements) announcements × \(runs) runs")
        print("(per consumer: from calling announce() to each watcher's triggerAsyncRefresh; all: to the last watcher)")
        var failure: (any Error)?
        var table: [String] = []
        var stateTable: [String] = []
        let stateCounts = try stateConsumers.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else { throw ValidationError("bad consumer count '\(s)'") }
            return n
        }
        if !stateCounts.isEmpty {
            guard FileManager.default.fileExists(atPath: store + "/snapshot-3") else {
                throw ValidationError("--store \(store) has no snapshot-3 (use the metrics fixture store)")
            }
        }
        do {
            for n in counts {
                var p50s: [Double] = [], p99s: [Double] = [], maxes: [Double] = [], allP50s: [Double] = [], allP99s: [Double] = []
                try await withWorkers(count: n, host: host, port: port) { fleet in
                    for run in 0..<runs {
                        let r = try await fleet.measure(announcements: announcements, firstVersion: Int64(run * (announcements + 1) + 2))
                        p50s.append(r.p50)
                        p99s.append(r.p99)
                        maxes.append(r.max)
                        allP50s.append(r.allP50)
                        allP99s.append(r.allP99)
                        print(String(format: "  run %d: n=%d p50 %.2f p99 %.2f max %.2f all-p50 %.2f all-p99 %.2f ms", run + 1, n, r.p50, r.p99, r.max, r.allP50, r.allP99))
                    }
                }
                let poll = pollingModel()
                table.append(String(
                    format: "%8d  %6.2f  %6.2f  %7.2f  %7.2f  %7.2f  | %4.0f / %4.0f",
                    n, median(p50s), median(p99s), median(maxes), median(allP50s), median(allP99s), poll.p50, poll.p99))
            }
            for n in stateCounts {
                var p50s: [Double] = [], p99s: [Double] = [], allP99s: [Double] = []
                try await withWorkers(count: n, host: host, port: port, store: store) { fleet in
                    for run in 0..<runs {
                        let r = try await fleet.measureState(pins: announcements)
                        p50s.append(r.p50)
                        p99s.append(r.p99)
                        allP99s.append(r.allP99)
                        print(String(format: "  state run %d: n=%d p50 %.2f p99 %.2f all-p99 %.2f ms", run + 1, n, r.p50, r.p99, r.allP99))
                    }
                }
                stateTable.append(String(format: "%9d  %6.2f  %6.2f  %7.2f", n, median(p50s), median(p99s), median(allP99s)))
            }
        } catch {
            failure = error
        }
        await privateBroker?.stop()
        if let failure { throw failure }
        print("medians of \(runs) runs (ms):")
        print("watchers  p50     p99     max      all-p50  all-p99  | 1 s polling model p50 / p99")
        for line in table { print(line) }
        if !stateTable.isEmpty {
            print("announce (a pin alternating 2 <-> 3: one delta) → every consumer holds the new state, medians (ms):")
            print("consumers  p50     p99     all-p99")
            for line in stateTable { print(line) }
        }
    }

    /// Starts worker processes holding `count` watchers, runs `body` once all are connected, then stops them.
    private func withWorkers(count: Int, host: String, port: Int, store: String? = nil, _ body: (WorkerFleet) async throws -> Void) async throws {
        let namespace = "bench\(UInt32.random(in: 0...UInt32.max))"
        var sizes: [Int] = []
        var left = count
        while left > 0 {
            sizes.append(min(perWorker, left))
            left -= perWorker
        }
        let collector = Collector(workers: sizes.count)
        let (stop, stopContinuation) = AsyncStream<Void>.makeStream()
        let exe = try ownExecutable()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, size) in sizes.enumerated() {
                var args = ["mqtt", "worker", "--host", host, "--port", String(port), "--namespace", namespace,
                            "--count", String(size), "--first", String(i * perWorker)]
                if let store { args += ["--store", store] }
                args += ["--qos", String(qos)]
                group.addTask {
                    _ = try await Subprocess.run(
                        .name(exe.name), arguments: Arguments(args), environment: .inherit.updating(["PATH": exe.directory]),
                        input: .none, output: .sequence, error: .discarded
                    ) { execution in
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            inner.addTask {
                                for await _ in stop { break }
                                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))])
                            }
                            inner.addTask {
                                for try await line in execution.standardOutput.strings() {
                                    collector.received(line: line)
                                }
                            }
                            try await inner.waitForAll()
                        }
                    }
                }
            }
            do {
                try await collector.waitReady(timeout: .seconds(120))
                let producer = try MQTTClient(
                    configuration: .init(host: host, port: port, clientID: "\(namespace)-producer"), logger: quietLogger())
                let announcer = try MQTTAnnouncer(client: producer, namespace: namespace, acknowledgementTimeout: .seconds(30), logger: quietLogger())
                let fleet = WorkerFleet(collector: collector, announcer: announcer, producer: producer, watchers: count)
                // Warm-up: every subscription is in place afterwards (with consumers: all hold snapshot 3).
                _ = try await fleet.announce(version: store == nil ? 1 : 3)
                try await body(fleet)
                await producer.shutdown()
            } catch {
                stopContinuation.finish()
                group.cancelAll()
                throw error
            }
            stopContinuation.finish()
            try await group.waitForAll()
        }
    }

    /// Java's announcement watchers poll once a second: a new version is seen at the next poll, i.e. after a delay
    /// uniform in [0, 1 s) (phase of each consumer's timer), plus the read itself (ignored, favouring polling).
    func pollingModel() -> (p50: Double, p99: Double) {
        var g = SystemRandomNumberGenerator()
        let xs = (0..<100_000).map { _ in Double.random(in: 0..<1000, using: &g) }.sorted()
        return (percentile(xs, 0.5), percentile(xs, 0.99))
    }
}

/// `hollow-bench mqtt worker`: holds `count` watchers and prints `ready`, then one line per announcement:
/// the version followed by each watcher's CLOCK_MONOTONIC trigger time in nanoseconds.
struct BenchMQTTWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "(internal) watcher process of hollow-bench mqtt", shouldDisplay: false)

    @Option var host: String
    @Option var port: Int
    @Option var namespace: String
    @Option var count: Int
    @Option var first: Int
    @Option var store: String?
    @Option var qos: Int = 1

    func run() async throws {
        let probe = WorkerProbe(count: count)
        var watchers: [MQTTAnnouncementWatcher] = []
        var consumers: [HollowConsumer] = []
        let retriever = try store.map { try FilesystemBlobRetriever(path: $0) }
        for i in first..<(first + count) {
            var c = MQTTClientConfiguration(host: host, port: port, clientID: "\(namespace)-w\(i)")
            c.reconnectDelayMax = 1
            let w = try MQTTAnnouncementWatcher(configuration: c, namespace: namespace, logger: quietLogger())
            w.subscriptionQoS = qos == 0 ? .atMostOnce : .atLeastOnce
            if let retriever {
                // A real consumer: report when it holds the new state (refreshSuccessful), not when triggered.
                consumers.append(HollowConsumer(blobRetriever: retriever, announcementWatcher: w, refreshListeners: [StateProbe(probe: probe)]))
            } else {
                w.subscribeToUpdates(ProbeTrigger(watcher: w, probe: probe))
            }
            try w.start()
            watchers.append(w)
        }
        for w in watchers { try await w.client.waitUntilConnected(timeout: .seconds(100)) }
        writeLine("ready")
        await withTaskGroup(of: Void.self) { group in
            for consumer in consumers { group.addTask { await consumer.run() } }
            group.addTask { try? await Task.sleep(for: .seconds(24 * 3600)) }  // until the benchmark stops us (SIGTERM)
            await group.waitForAll()
        }
    }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "hollow.bench")
    logger.logLevel = .error
    return logger
}

/// CLOCK_MONOTONIC in nanoseconds: comparable across processes on one machine.
func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Writes one line to stdout unbuffered (the parent reads it at once).
func writeLine(_ line: String) {
    var bytes = Array((line + "\n").utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}

/// Gathers the workers' lines: readiness, and per version the trigger times of every watcher.
final class Collector: Sendable {
    private struct State {
        var ready = 0
        var readyWaiter: CheckedContinuation<Void, Never>?
        var reports: [Int64: (workers: Int, times: [Int64])] = [:]
        var versionWaiters: [Int64: CheckedContinuation<[Int64], Never>] = [:]
    }
    private let state = Mutex(State())
    let workers: Int

    init(workers: Int) { self.workers = workers }

    func received(line: String) {
        let fields = line.split(separator: " ")
        if fields.first == "ready" {
            let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.ready += 1
                guard s.ready >= workers else { return nil }
                defer { s.readyWaiter = nil }
                return s.readyWaiter
            }
            w?.resume()
            return
        }
        guard let v = fields.first.flatMap({ Int64($0) }) else { return }
        let times = fields.dropFirst().compactMap { Int64($0) }
        let done = state.withLock { s -> (CheckedContinuation<[Int64], Never>, [Int64])? in
            var r = s.reports[v] ?? (0, [])
            r.workers += 1
            r.times += times
            s.reports[v] = r
            guard r.workers >= workers, let w = s.versionWaiters.removeValue(forKey: v) else { return nil }
            s.reports[v] = nil
            return (w, r.times)
        }
        if let (w, t) = done { w.resume(returning: t) }
    }

    func waitReady(timeout: Duration) async throws {
        try await race(timeout, "not every worker connected its watchers") {
            await withCheckedContinuation { c in
                let now = self.state.withLock { s -> Bool in
                    if s.ready >= self.workers { return true }
                    s.readyWaiter = c
                    return false
                }
                if now { c.resume() }
            }
        }
    }

    func waitVersion(_ v: Int64, timeout: Duration) async throws -> [Int64] {
        try await race(timeout, "not every watcher was triggered for version \(v)") {
            await withCheckedContinuation { c in
                let now = self.state.withLock { s -> [Int64]? in
                    if let r = s.reports[v], r.workers >= self.workers {
                        s.reports[v] = nil
                        return r.times
                    }
                    s.versionWaiters[v] = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        }
    }

    private func race<T: Sendable>(_ timeout: Duration, _ what: String, _ op: @escaping @Sendable () async -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { await op() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw BenchError("\(what) within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

private struct WorkerFleet {
    let collector: Collector
    let announcer: MQTTAnnouncer
    let producer: MQTTClient
    let watchers: Int

    /// Pins alternately 2 and 3 (each step is one delta or reverse delta of the metrics data) and measures
    /// until every consumer holds the pinned version.
    func measureState(pins: Int) async throws -> Result {
        var all: [Double] = []
        var lasts: [Double] = []
        let topic = announcer.topics.pin
        for i in 0..<pins {
            let v: Int64 = i % 2 == 0 ? 2 : 3
            let t0 = monotonicNanos()
            try await producer.publish(topic: topic, payload: Array(String(v).utf8), retain: true, timeout: .seconds(30))
            let times = try await collector.waitVersion(v, timeout: .seconds(60))
            let latencies = times.map { Double($0 - t0) / 1e6 }
            all += latencies
            lasts.append(latencies.max() ?? .nan)
        }
        try await producer.publish(topic: topic, payload: [], retain: true, timeout: .seconds(30))
        all.sort()
        lasts.sort()
        return Result(p50: percentile(all, 0.5), p99: percentile(all, 0.99), max: all.last ?? .nan, allP50: percentile(lasts, 0.5), allP99: percentile(lasts, 0.99))
    }

    /// Announces `version` and returns each watcher's latency in ms.
    func announce(version: Int64) async throws -> [Double] {
        let t0 = monotonicNanos()
        try await announcer.announce(version: version)
        let times = try await collector.waitVersion(version, timeout: .seconds(60))
        guard times.count == watchers else { throw BenchError("expected \(watchers) triggers for \(version), got \(times.count)") }
        return times.map { Double($0 - t0) / 1e6 }
    }

    struct Result { var p50, p99, max, allP50, allP99: Double }

    func measure(announcements: Int, firstVersion: Int64) async throws -> Result {
        var all: [Double] = []
        var lasts: [Double] = []
        for v in firstVersion..<(firstVersion + Int64(announcements)) {
            let latencies = try await announce(version: v)
            all += latencies
            lasts.append(latencies.max() ?? .nan)
        }
        all.sort()
        lasts.sort()
        return Result(p50: percentile(all, 0.5), p99: percentile(all, 0.99), max: all.last ?? .nan, allP50: percentile(lasts, 0.5), allP99: percentile(lasts, 0.99))
    }
}

/// In a worker: collects the trigger times of its watchers per version and prints a line when all triggered
/// (after the line `summary` returns for that version, if any).
final class WorkerProbe: Sendable {
    private let state = Mutex<[Int64: [Int64]]>([:])
    private let summary: (@Sendable (Int64) -> String)?
    let count: Int

    init(count: Int, summary: (@Sendable (Int64) -> String)? = nil) {
        self.count = count
        self.summary = summary
    }

    func triggered(version: Int64?) {
        let now = monotonicNanos()
        guard let version else { return }
        let complete = state.withLock { s -> [Int64]? in
            s[version, default: []].append(now)
            guard s[version]!.count >= count else { return nil }
            return s.removeValue(forKey: version)
        }
        guard let complete else { return }
        if let summary { writeLine(summary(version)) }
        writeLine("\(version) " + complete.map(String.init).joined(separator: " "))
    }
}

final class StateProbe: RefreshListener {
    private let probe: WorkerProbe
    init(probe: WorkerProbe) { self.probe = probe }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        probe.triggered(version: version)
    }
}

private final class ProbeTrigger: RefreshTrigger {
    private let probe: WorkerProbe
    private let version: @Sendable () -> Int64?

    init(watcher: MQTTAnnouncementWatcher, probe: WorkerProbe) {
        self.probe = probe
        self.version = { [weak watcher] in watcher?.latestVersion }
    }

    func triggerAsyncRefresh() { probe.triggered(version: version()) }
    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) { triggerAsyncRefresh() }
}

