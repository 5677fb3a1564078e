import ArgumentParser
import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowHTTP
import HollowMQTT
import HollowOperations
import HollowProducer
import HollowZstd
import Subprocess
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `hollow-bench fleet`: a fleet of consumers following one namespace whose blobs a private nginx serves (the HTTP
/// store, `HTTPBlobRetriever`) and whose versions a private mosquitto announces, both on free loopback ports.
///
/// Each consumer is a `HollowConsumer` with its own MQTT connection (`MQTTAnnouncementWatcher`) and its own
/// `HTTPBlobRetriever`; consumers live in worker processes (`hollow-bench fleet worker`, at most ~300 each because
/// libmosquitto waits with `select`). For each run a new fleet starts with no announcement retained, and the bench
/// measures two cases:
/// - **snapshot**: the first announcement reaches every consumer of the new fleet at once, so all of them fetch the
///   index, the header and the snapshot together (the stampede of a fleet starting together);
/// - **delta**: a new version announced to the warm fleet (index, header and delta per consumer).
///
/// Per case: announce → every consumer holds the version (each consumer's `refreshSuccessful`, CLOCK_MONOTONIC),
/// nginx's requests, statuses and bytes (its access log), the peak of requests in flight, the CPU time of nginx,
/// mosquitto and the workers (/proc), and the retries the retrievers made. Runs alternate the jitter settings.
struct BenchFleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "A fleet of consumers (MQTT + HTTP store): announce → all hold, for a delta and a snapshot stampede.",
        subcommands: [BenchFleetWorker.self])

    @Option(help: "Consumers (each its own MQTT connection and HTTP retriever).") var consumers = 1000
    @Option(help: "Consumers per worker process (at most ~300: libmosquitto waits with select).") var perWorker = 250
    @Option(help: "Comma-separated refresh jitters in ms (0: none), alternated run by run.") var jitterMs = "0,2000"
    @Option(help: "Fleets started per jitter setting (medians are reported).") var runs = 3
    @Option(help: "Deltas announced to each warm fleet.") var deltas = 3
    @Option(help: "Records in the data set.") var records = 20_000
    @Option(help: "Records changed by each new version.") var changed = 200
    @Option(help: "nginx worker processes.") var nginxWorkers = 1
    @Option(help: "Seconds to wait for every consumer to hold a version.") var timeout = 300
    @Flag(help: "Give each consumer its own URLSession (like separate hosts) instead of the process-wide shared one.")
    var sessionPerConsumer = false

    func run() async throws {
        let jitters = try jitterMs.split(separator: ",").map { s -> Int in
            guard let j = Int(s.trimmingCharacters(in: .whitespaces)), j >= 0 else { throw ValidationError("bad jitter '\(s)'") }
            return j
        }
        guard consumers > 0, runs > 0, deltas > 0, !jitters.isEmpty else {
            throw ValidationError("--consumers, --runs, --deltas must be positive and --jitter-ms not empty")
        }
        guard (1...300).contains(perWorker) else { throw ValidationError("--per-worker must be 1...300") }
        guard records > 0, (1...records).contains(changed) else { throw ValidationError("--changed must be 1...--records") }

        let root = NSTemporaryDirectory() + "hollow-bench-fleet-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let namespace = "fleet\(UInt32.random(in: 0...UInt32.max))"
        let broker = try await PrivateMosquitto.start()
        let nginx: PrivateNginx
        do {
            nginx = try await PrivateNginx.start(serving: root, workers: nginxWorkers)
        } catch {
            await broker.stop()
            throw error
        }
        var failure: (any Error)?
        var samples: [String: [FleetSample]] = [:]
        do {
            let producerClient = try MQTTClient(
                configuration: .init(host: "127.0.0.1", port: broker.port, clientID: "\(namespace)-producer"), logger: quietLogger())
            try producerClient.start()
            let announcer = try MQTTAnnouncer(
                client: producerClient, namespace: namespace, acknowledgementTimeout: .seconds(30), logger: quietLogger())
            let producer = HollowProducer(
                publisher: try FilesystemPublisher(path: root, namespace: namespace, compressor: ZstdCompressor()),
                versionMinter: CountingVersionMinter())
            let brokerPID = findProcess(commandLineContaining: broker.directory + "/mosquitto.conf")
            let context = FleetContext(
                nginx: nginx, brokerPID: brokerPID, announcer: announcer, timeout: .seconds(timeout))
            print("hollow-bench fleet: \(consumers) consumers in \(Int((consumers + perWorker - 1) / perWorker)) worker processes; "
                + "\(records) records, \(changed) changed per version, zstd; nginx \(nginxWorkers) worker(s) on 127.0.0.1:\(nginx.port); "
                + "mosquitto on 127.0.0.1:\(broker.port); \(runs) fleets per jitter × \(deltas) deltas; "
                + (sessionPerConsumer ? "a URLSession per consumer" : "one shared URLSession per worker process") + "; load average \(loadAverage())")
            var version: Int64 = 0
            for run in 0..<runs {
                for jitter in jitters {
                    // No announcement retained: the new fleet connects and subscribes, then hears of its first version
                    // all at once.
                    try await producerClient.publish(topic: announcer.topics.announced, payload: [], retain: true, timeout: .seconds(30))
                    version = try await cycle(producer, version: version + 1)
                    try await withFleet(jitterMs: jitter, host: "127.0.0.1", port: broker.port, url: nginx.url, namespace: namespace) { fleet in
                        let first = try await context.measure(version: version, fleet: fleet)
                        print("  run \(run + 1) jitter \(jitter) ms snapshot v\(version): \(first.summary)")
                        samples["snapshot \(jitter)", default: []].append(first)
                        for _ in 0..<deltas {
                            version = try await cycle(producer, version: version + 1)
                            try await Task.sleep(for: .milliseconds(500))
                            let s = try await context.measure(version: version, fleet: fleet)
                            print("  run \(run + 1) jitter \(jitter) ms delta v\(version): \(s.summary)")
                            samples["delta \(jitter)", default: []].append(s)
                        }
                    }
                }
            }
            await producerClient.shutdown()
        } catch {
            failure = error
        }
        await nginx.stop()
        await broker.stop()
        try? FileManager.default.removeItem(atPath: root)
        if let failure { throw failure }

        print("medians (snapshot: one per fleet, \(runs) fleets per jitter; delta: \(runs) fleets × \(deltas) deltas):")
        print("case      jitter  n   p50 ms   p99 ms   max ms  reqs  bytes      in-flight  per-100ms  nginx-cpu-ms  broker-cpu-ms  workers-cpu-s  machine-busy  retries  failures")
        for kind in ["delta", "snapshot"] {
            for jitter in jitters {
                guard let s = samples["\(kind) \(jitter)"], !s.isEmpty else { continue }
                func m(_ f: (FleetSample) -> Double) -> Double { median(s.map(f)) }
                print(String(
                    format: "%-8@  %6d  %2d  %7.0f  %7.0f  %7.0f  %4.0f  %9.0f  %9.0f  %9.0f  %12.0f  %13.0f  %13.1f  %11.0f%%  %7.0f  %8.0f",
                    kind as NSString, jitter, s.count, m(\.p50), m(\.p99), m(\.max), m { Double($0.requests) }, m { Double($0.bytes) },
                    m { Double($0.peakInFlight) }, m { Double($0.peakPer100ms) }, m(\.nginxCPU) * 1000, m(\.brokerCPU) * 1000,
                    m(\.workersCPU), m(\.machineBusy) * 100, m { Double($0.retries) }, m { Double($0.failures) }))
            }
        }
    }

    /// Publishes the next version: `changed` records get a new value (a delta of `changed` modifications).
    private func cycle(_ producer: HollowProducer, version: Int64) async throws -> Int64 {
        let step = max(1, records / changed)
        let published = try await producer.runCycle { state in
            for i in 0..<Int64(records) {
                try state.add(FleetReading(id: i, value: i * 10 + (i % Int64(step) == 0 && i / Int64(step) < Int64(changed) ? version : 0)))
            }
        }
        guard published == version else { throw BenchError("the producer published v\(published), expected v\(version)") }
        return published
    }

    /// Starts the worker processes of one fleet with `jitterMs`, runs `body` once every watcher has connected and
    /// settled, then stops them.
    private func withFleet(
        jitterMs: Int, host: String, port: Int, url: String, namespace: String, _ body: (RunningFleet) async throws -> Void
    ) async throws {
        var sizes: [Int] = []
        var left = consumers
        while left > 0 {
            sizes.append(min(perWorker, left))
            left -= perWorker
        }
        let fleet = RunningFleet(collector: Collector(workers: sizes.count))
        let (stop, stopContinuation) = AsyncStream<Void>.makeStream()
        let exe = try ownExecutable()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, size) in sizes.enumerated() {
                let args = [
                    "fleet", "worker", "--host", host, "--port", String(port), "--url", url, "--namespace", namespace,
                    "--count", String(size), "--first", String(i * perWorker), "--jitter-ms", String(jitterMs),
                ] + (sessionPerConsumer ? ["--session-per-consumer"] : [])
                group.addTask {
                    _ = try await Subprocess.run(
                        .name(exe.name), arguments: Arguments(args), environment: .inherit.updating(["PATH": exe.directory]),
                        input: .none, output: .sequence, error: .discarded
                    ) { execution in
                        fleet.workerStarted(pid: execution.processIdentifier.value)
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            inner.addTask {
                                for await _ in stop { break }
                                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))])
                            }
                            inner.addTask {
                                for try await line in execution.standardOutput.strings() { fleet.received(line: line) }
                            }
                            try await inner.waitForAll()
                        }
                    }
                }
            }
            do {
                try await fleet.collector.waitReady(timeout: .seconds(180))
                try await body(fleet)
            } catch {
                stopContinuation.finish()
                group.cancelAll()
                throw error
            }
            stopContinuation.finish()
            try await group.waitForAll()
        }
    }
}

/// A record of the fleet's data set.
struct FleetReading: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var value: Int64
}

/// What one announcement cost.
struct FleetSample {
    /// Announce → each consumer holds the version, ms.
    var p50, p99, max: Double
    var requests = 0, bytes = 0, peakInFlight = 0, peakPer100ms = 0
    var statuses: [String: Int] = [:]
    var kinds: [String: Int] = [:]
    /// CPU seconds during the window (announce → all hold).
    var nginxCPU = 0.0, brokerCPU = 0.0, workersCPU = 0.0
    /// The fraction of the machine's CPU time that was busy during the window (all processes, all cores).
    var machineBusy = 0.0
    var retries = 0, failures = 0

    var summary: String {
        String(
            format: "p50 %.0f p99 %.0f max %.0f ms; %d requests %@ %@, %d bytes, peak in flight %d, peak per 100 ms %d; "
                + "CPU nginx %.0f ms, mosquitto %.0f ms, workers %.1f s, machine busy %.0f%%; retries %d, failed refreshes %d",
            p50, p99, max, requests, describe(kinds) as NSString, describe(statuses) as NSString, bytes, peakInFlight,
            peakPer100ms, nginxCPU * 1000, brokerCPU * 1000, workersCPU, machineBusy * 100, retries, failures)
    }

    private func describe(_ counts: [String: Int]) -> String {
        "{" + counts.keys.sorted().map { "\($0): \(counts[$0]!)" }.joined(separator: ", ") + "}"
    }
}

/// The servers and the announcer the measurements use.
private struct FleetContext {
    let nginx: PrivateNginx
    let brokerPID: Int32?
    let announcer: MQTTAnnouncer
    let timeout: Duration

    /// Announces `version` and waits until every consumer of `fleet` holds it.
    func measure(version: Int64, fleet: RunningFleet) async throws -> FleetSample {
        let logOffset = nginx.accessLogSize
        let workers = fleet.workerPIDs
        let before = (
            nginx: processCPUSeconds(nginx.pids), broker: processCPUSeconds(brokerPID.map { [$0] } ?? []),
            workers: processCPUSeconds(workers), machine: machineCPUTicks())
        let t0 = monotonicNanos()
        try await announcer.announce(version: version)
        let times = try await fleet.collector.waitVersion(version, timeout: timeout)
        let after = (
            nginx: processCPUSeconds(nginx.pids), broker: processCPUSeconds(brokerPID.map { [$0] } ?? []),
            workers: processCPUSeconds(workers), machine: machineCPUTicks())
        let latencies = times.map { Double($0 - t0) / 1e6 }.sorted()
        var sample = FleetSample(p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.last ?? .nan)
        sample.nginxCPU = after.nginx - before.nginx
        sample.brokerCPU = after.broker - before.broker
        sample.workersCPU = after.workers - before.workers
        let total = Double(after.machine.total - before.machine.total)
        sample.machineBusy = total > 0 ? Double(after.machine.busy - before.machine.busy) / total : .nan
        (sample.retries, sample.failures) = fleet.takeCounts(version: version)
        // nginx writes a request's log line when it completes; every consumer holds the version, so all are logged.
        let requests = nginx.accessLog(from: logOffset)
        sample.requests = requests.count
        sample.bytes = requests.reduce(0) { $0 + $1.bytes }
        for r in requests {
            sample.statuses[String(r.status), default: 0] += 1
            sample.kinds[r.kind, default: 0] += 1
        }
        (sample.peakInFlight, sample.peakPer100ms) = AccessLogLine.peaks(requests)
        return sample
    }
}

/// One fleet's workers: their readiness and per-version reports, and their retry and failure counts.
private final class RunningFleet: Sendable {
    let collector: Collector
    private let state = Mutex<(pids: [Int32], counts: [Int64: (retries: Int, failures: Int)])>(([], [:]))

    init(collector: Collector) { self.collector = collector }

    var workerPIDs: [Int32] { state.withLock { $0.pids } }

    func workerStarted(pid: Int32) { state.withLock { $0.pids.append(pid) } }

    /// `stats VERSION RETRIES FAILURES` (printed by each worker before its version line), else the collector's.
    func received(line: String) {
        let fields = line.split(separator: " ")
        guard fields.first == "stats" else { return collector.received(line: line) }
        guard fields.count == 4, let v = Int64(fields[1]), let r = Int(fields[2]), let f = Int(fields[3]) else { return }
        state.withLock { s in
            let c = s.counts[v] ?? (0, 0)
            s.counts[v] = (c.retries + r, c.failures + f)
        }
    }

    func takeCounts(version: Int64) -> (Int, Int) {
        state.withLock { s in
            let c = s.counts.removeValue(forKey: version) ?? (0, 0)
            return (c.retries, c.failures)
        }
    }
}

/// `hollow-bench fleet worker`: holds `count` consumers (MQTT watcher + HTTP retriever each) and prints `ready` once
/// every watcher settled, then per version `stats V RETRIES FAILURES` (since the previous version) and the version
/// line of ``WorkerProbe``.
struct BenchFleetWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "(internal) consumer process of hollow-bench fleet", shouldDisplay: false)

    @Option var host: String
    @Option var port: Int
    @Option var url: String
    @Option var namespace: String
    @Option var count: Int
    @Option var first: Int
    @Option var jitterMs: Int = 0
    @Flag var sessionPerConsumer = false

    func run() async throws {
        let zstd = ZstdCompressor()
        let retrievers = try (0..<count).map { _ in
            try HTTPBlobRetriever(
                url: url, namespace: namespace, decompressors: [zstd],
                session: sessionPerConsumer ? URLSession(configuration: HTTPBlobRetriever.sharedSession.configuration) : HTTPBlobRetriever.sharedSession)
        }
        let failures = FailureCounter()
        let probe = WorkerProbe(count: count) { version in
            let (r, f) = failures.sinceLastReport(retries: retrievers.reduce(0) { $0 + $1.retryCount })
            return "stats \(version) \(r) \(f)"
        }
        var watchers: [MQTTAnnouncementWatcher] = []
        var consumers: [HollowConsumer] = []
        for (i, retriever) in retrievers.enumerated() {
            var c = MQTTClientConfiguration(host: host, port: port, clientID: "\(namespace)-c\(first + i)")
            c.reconnectDelayMax = 1
            let w = try MQTTAnnouncementWatcher(
                configuration: c, namespace: namespace, refreshJitter: jitterMs > 0 ? .milliseconds(jitterMs) : nil,
                logger: quietLogger())
            consumers.append(HollowConsumer(
                blobRetriever: retriever, announcementWatcher: w, refreshListeners: [StateProbe(probe: probe), failures]))
            watchers.append(w)
        }
        for w in watchers { try w.start() }
        let settled = watchers
        await withTaskGroup(of: Void.self) { group in
            for consumer in consumers { group.addTask { await consumer.run() } }
            group.addTask {
                do {
                    for w in settled { try await w.client.waitUntilConnected(timeout: .seconds(120)) }
                    // Settled: subscribed and the retained messages (none) seen, so the first announcement is live.
                    for w in settled {
                        for _ in 0..<1200 where w.settledConnections == 0 { try await Task.sleep(for: .milliseconds(100)) }
                        guard w.settledConnections > 0 else { throw BenchError("a watcher did not settle within 120 s") }
                    }
                    writeLine("ready")
                } catch {
                    writeLine("error \(error)")
                    Glibc.exit(1)
                }
            }
            group.addTask { try? await Task.sleep(for: .seconds(24 * 3600)) }  // until the benchmark stops us (SIGTERM)
            await group.waitForAll()
        }
    }
}

/// Counts a worker's failed refreshes, and reports them and its retrievers' retries since the last report.
private final class FailureCounter: RefreshListener {
    private let state = Mutex((failures: 0, reportedFailures: 0, reportedRetries: 0))

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        state.withLock { $0.failures += 1 }
    }

    /// Retries and failures since the last call, given the retrievers' total of `retries`.
    func sinceLastReport(retries: Int) -> (retries: Int, failures: Int) {
        state.withLock { s in
            defer { (s.reportedRetries, s.reportedFailures) = (retries, s.failures) }
            return (retries - s.reportedRetries, s.failures - s.reportedFailures)
        }
    }
}

// MARK: - nginx

/// A private nginx serving `root` on a free loopback port (swift-subprocess, not a daemon), logging each request as
/// `$msec $request_time $status $body_bytes_sent $request_uri`.
final class PrivateNginx: Sendable {
    let port: Int
    let directory: String
    private let task: Task<Void, any Error>
    private let stopSignal: AsyncStream<Void>.Continuation
    private let pid: ProcessIDBox

    var url: String { "http://127.0.0.1:\(port)" }
    /// The master and its workers.
    var pids: [Int32] {
        guard let master = pid.value.withLock({ $0 }) else { return [] }
        return [master] + childProcesses(of: master)
    }

    private init(port: Int, directory: String, task: Task<Void, any Error>, stopSignal: AsyncStream<Void>.Continuation, pid: ProcessIDBox) {
        self.port = port
        self.directory = directory
        self.task = task
        self.stopSignal = stopSignal
        self.pid = pid
    }

    static func start(serving root: String, workers: Int) async throws -> PrivateNginx {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        guard let exeDir = dirs.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/nginx") }) else {
            throw BenchError("nginx not found (scripts/install-deps.sh installs Debian's nginx)")
        }
        let d = NSTemporaryDirectory() + "hollow-bench-nginx-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        let port = try Loopback.freePort()
        let conf = """
            daemon off;
            \(geteuid() == 0 ? "user root;" : "")
            worker_processes \(workers);
            pid \(d)/nginx.pid;
            error_log \(d)/error.log;
            events { worker_connections 16384; }
            worker_rlimit_nofile 40000;
            http {
              default_type application/octet-stream;
              log_format bench '$msec $request_time $status $body_bytes_sent $request_uri';
              access_log \(d)/access.log bench;
              client_body_temp_path \(d)/client_body;
              proxy_temp_path \(d)/proxy;
              fastcgi_temp_path \(d)/fastcgi;
              uwsgi_temp_path \(d)/uwsgi;
              scgi_temp_path \(d)/scgi;
              sendfile on;
              keepalive_requests 100000;
              server { listen 127.0.0.1:\(port) backlog=4096; root \(root); location / { } }
            }

            """
        try conf.write(toFile: "\(d)/nginx.conf", atomically: true, encoding: .utf8)
        let (signal, continuation) = AsyncStream<Void>.makeStream()
        let pid = ProcessIDBox()
        let task = Task {
            _ = try await Subprocess.run(
                .name("nginx"), arguments: ["-p", d, "-c", "\(d)/nginx.conf", "-e", "\(d)/error.log"],
                environment: .inherit.updating(["PATH": exeDir]), input: .none, output: .discarded, error: .discarded
            ) { execution in
                pid.value.withLock { $0 = execution.processIdentifier.value }
                for await _ in signal { break }
                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
            }
        }
        let server = PrivateNginx(port: port, directory: d, task: task, stopSignal: continuation, pid: pid)
        for _ in 0..<500 {
            if Loopback.accepts(port: port) { return server }
            try await Task.sleep(for: .milliseconds(10))
        }
        let log = (try? String(contentsOfFile: "\(d)/error.log", encoding: .utf8)) ?? ""
        await server.stop()
        throw BenchError("nginx did not start on 127.0.0.1:\(port): \(log)")
    }

    func stop() async {
        stopSignal.yield()
        stopSignal.finish()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    var accessLogSize: UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: directory + "/access.log"))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// The requests logged after byte `offset` of the access log.
    func accessLog(from offset: UInt64) -> [AccessLogLine] {
        guard let handle = FileHandle(forReadingAtPath: directory + "/access.log") else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd() else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap(AccessLogLine.init)
    }
}

/// A process id set once the process started.
private final class ProcessIDBox: Sendable {
    let value = Mutex<Int32?>(nil)
}

/// One request of nginx's access log.
struct AccessLogLine {
    var end: Double
    var duration: Double
    var status: Int
    var bytes: Int
    /// `blobs.index`, `header`, `snapshot`, `delta`, `reversedelta`, ...
    var kind: String

    init?(_ line: Substring) {
        let f = line.split(separator: " ")
        guard f.count == 5, let end = Double(f[0]), let duration = Double(f[1]), let status = Int(f[2]), let bytes = Int(f[3]) else {
            return nil
        }
        (self.end, self.duration, self.status, self.bytes) = (end, duration, status, bytes)
        let name = f[4].split(separator: "/").last.map(String.init) ?? ""
        kind = name == StoreIndex.fileName ? name : String(name.prefix { $0 != "-" && $0 != "." })
    }

    /// The most requests in flight at once (at the log's millisecond resolution; a request is in flight from
    /// `end - duration` to `end`, and starts count before ends at the same instant), and the most requests that
    /// ended within one 100 ms window.
    static func peaks(_ requests: [AccessLogLine]) -> (inFlight: Int, per100ms: Int) {
        var events: [(ms: Double, change: Int)] = []
        for r in requests {
            events.append((((r.end - r.duration) * 1000).rounded(), 1))
            events.append(((r.end * 1000).rounded(), -1))
        }
        events.sort { $0.ms != $1.ms ? $0.ms < $1.ms : $0.change > $1.change }
        var current = 0, peak = 0
        for e in events {
            current += e.change
            peak = Swift.max(peak, current)
        }
        var windows: [Int: Int] = [:]
        for r in requests { windows[Int(r.end * 10), default: 0] += 1 }
        return (peak, windows.values.max() ?? 0)
    }
}

// MARK: - /proc

/// User + system CPU seconds of `pids` (the living ones).
func processCPUSeconds(_ pids: [Int32]) -> Double {
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return pids.reduce(0.0) { sum, pid in
        guard let f = procStatFields(pid), f.count > 12, let u = Double(f[11]), let s = Double(f[12]) else { return sum }
        return sum + (u + s) / ticks
    }
}

/// The fields of /proc/PID/stat after the command name (field 3, the state, first).
private func procStatFields(_ pid: Int32) -> [Substring]? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let paren = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: paren)...].split(separator: " ")
}

/// The processes whose parent is `pid`.
private func childProcesses(of pid: Int32) -> [Int32] {
    let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    return all.filter { child in procStatFields(child).flatMap { $0.count > 1 ? Int32($0[1]) : nil } == pid }
}

/// The first process whose command line contains `text`.
func findProcess(commandLineContaining text: String) -> Int32? {
    let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    return all.first { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
    }
}

/// The machine's CPU time in ticks (all cores) from /proc/stat: total and busy (not idle or iowait).
func machineCPUTicks() -> (total: Int, busy: Int) {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first else { return (0, 0) }
    let v = line.split(separator: " ").dropFirst().compactMap { Int($0) }
    guard v.count >= 5 else { return (0, 0) }
    let total = v.prefix(8).reduce(0, +)
    return (total, total - v[3] - v[4])
}

/// The 1-minute load average.
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(String.init) ?? "?"
}

