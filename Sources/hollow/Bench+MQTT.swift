import ArgumentParser
import Foundation
import HollowCore
import HollowMQTT
import Logging
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `hollow bench mqtt`: announce → `triggerAsyncRefresh` latency for 1, 100 and 1,000 watchers (each its own MQTT
/// connection) on a private mosquitto, side by side with Java's 1-second polling watcher (modelled).
struct BenchMQTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Announce-to-trigger latency over MQTT for 1/100/1000 watchers vs 1 s polling (private mosquitto).")

    @Option(help: "Comma-separated watcher counts.") var watchers: String = "1,100,1000"
    @Option(help: "Announcements per run.") var announcements: Int = 100
    @Option(help: "Runs per watcher count (medians are reported).") var runs: Int = 5
    @Option(help: "Use this broker (host:port) instead of starting a private mosquitto.") var broker: String?

    func run() async throws {
        let counts = try watchers.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else { throw ValidationError("bad watcher count '\(s)'") }
            return n
        }
        guard announcements > 0, runs > 0 else { throw ValidationError("--announcements and --runs must be positive") }
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
        print("(latency per consumer: from calling announce() to the watcher's triggerAsyncRefresh; all: until the last consumer)")
        print("watchers  p50 ms  p99 ms  max ms  all-p50  all-p99  | polling 1 s model p50/p99 ms")
        var failure: (any Error)?
        do {
            for n in counts {
                var p50s: [Double] = [], p99s: [Double] = [], maxes: [Double] = [], allP50s: [Double] = [], allP99s: [Double] = []
                let fleet = try await Fleet.connect(count: n, host: host, port: port)
                for run in 0..<runs {
                    let r = try await fleet.measure(announcements: announcements, firstVersion: Int64(run * (announcements + 1) + 2))
                    p50s.append(r.p50)
                    p99s.append(r.p99)
                    maxes.append(r.max)
                    allP50s.append(r.allP50)
                    allP99s.append(r.allP99)
                    print(String(format: "  run %d: n=%d p50 %.2f p99 %.2f max %.2f all-p50 %.2f all-p99 %.2f", run + 1, n, r.p50, r.p99, r.max, r.allP50, r.allP99))
                }
                await fleet.shutdown()
                let poll = pollingModel(samples: n * announcements)
                print(String(
                    format: "%8d  %6.2f  %6.2f  %6.2f  %7.2f  %7.2f  | %.0f / %.0f",
                    n, median(p50s), median(p99s), median(maxes), median(allP50s), median(allP99s), poll.p50, poll.p99))
            }
        } catch {
            failure = error
        }
        await privateBroker?.stop()
        if let failure { throw failure }
    }

    /// Java's announcement watchers poll once a second: a new version is seen at the next poll, i.e. after a delay
    /// uniform in [0, 1 s) (phase of each consumer's timer), plus the read itself (ignored, favouring polling).
    func pollingModel(samples: Int) -> (p50: Double, p99: Double) {
        var g = SystemRandomNumberGenerator()
        let xs = (0..<max(samples, 100_000)).map { _ in Double.random(in: 0..<1000, using: &g) }.sorted()
        return (percentile(xs, 0.5), percentile(xs, 0.99))
    }
}


/// N watchers, each with its own connection and a consumer stand-in that timestamps triggers.
private final class Fleet: Sendable {
    let watchers: [MQTTAnnouncementWatcher]
    let probe: LatencyProbe
    let announcer: MQTTAnnouncer
    let producer: MQTTClient

    private init(watchers: [MQTTAnnouncementWatcher], probe: LatencyProbe, announcer: MQTTAnnouncer, producer: MQTTClient) {
        self.watchers = watchers
        self.probe = probe
        self.announcer = announcer
        self.producer = producer
    }

    static func connect(count: Int, host: String, port: Int) async throws -> Fleet {
        var logger = Logger(label: "hollow.bench")
        logger.logLevel = .error
        let namespace = "bench\(UInt32.random(in: 0...UInt32.max))"
        let probe = LatencyProbe(consumers: count)
        var watchers: [MQTTAnnouncementWatcher] = []
        for i in 0..<count {
            var c = MQTTClientConfiguration(host: host, port: port, clientID: "\(namespace)-w\(i)")
            c.reconnectDelayMax = 1
            let w = try MQTTAnnouncementWatcher(configuration: c, namespace: namespace, logger: logger)
            w.subscribeToUpdates(ProbeTrigger(watcher: w, probe: probe))
            try w.start()
            watchers.append(w)
        }
        for w in watchers { try await w.client.waitUntilConnected(timeout: .seconds(60)) }
        let producer = try MQTTClient(configuration: .init(host: host, port: port, clientID: "\(namespace)-producer"), logger: logger)
        let announcer = try MQTTAnnouncer(client: producer, namespace: namespace, acknowledgementTimeout: .seconds(30), logger: logger)
        // Warm-up: once every watcher saw version 1, every subscription is in place.
        _ = try await probe.expect(version: 1) { try await announcer.announce(version: 1) }
        return Fleet(watchers: watchers, probe: probe, announcer: announcer, producer: producer)
    }

    struct Result { var p50, p99, max, allP50, allP99: Double }

    func measure(announcements: Int, firstVersion: Int64) async throws -> Result {
        var all: [Double] = []
        var lasts: [Double] = []
        for v in firstVersion..<(firstVersion + Int64(announcements)) {
            let latencies = try await probe.expect(version: v) { try await announcer.announce(version: v) }
            all += latencies
            lasts.append(latencies.max() ?? .nan)
        }
        all.sort()
        lasts.sort()
        return Result(p50: percentile(all, 0.5), p99: percentile(all, 0.99), max: all.last ?? .nan, allP50: percentile(lasts, 0.5), allP99: percentile(lasts, 0.99))
    }

    func shutdown() async {
        for w in watchers { await w.stop() }
        await producer.shutdown()
    }
}

/// Collects per-consumer trigger latencies of the announcement in flight.
private final class LatencyProbe: Sendable {
    private struct State {
        var version: Int64 = -1
        var start: ContinuousClock.Instant = .now
        var latencies: [Double] = []
        var waiter: CheckedContinuation<[Double], Never>?
    }
    private let state = Mutex(State())
    let consumers: Int

    init(consumers: Int) { self.consumers = consumers }

    /// Arms the probe for `version`, runs `announce`, and returns once every consumer was triggered for it.
    func expect(version: Int64, announce: () async throws -> Void) async throws -> [Double] {
        state.withLock { s in
            s.version = version
            s.latencies = []
            s.latencies.reserveCapacity(consumers)
            s.start = .now
        }
        try await announce()
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            group.addTask {
                await withCheckedContinuation { c in
                    let done = self.state.withLock { s -> [Double]? in
                        if s.latencies.count >= self.consumers { return s.latencies }
                        s.waiter = c
                        return nil
                    }
                    if let done { c.resume(returning: done) }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw CLIError("not every watcher was triggered for version \(version) within 30 s")
            }
            let r = try await group.next()!
            group.cancelAll()
            return r
        }
    }

    func triggered(version: Int64?) {
        let now = ContinuousClock.now
        let resume = state.withLock { s -> (CheckedContinuation<[Double], Never>, [Double])? in
            guard version == s.version else { return nil }
            let d = now - s.start
            s.latencies.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            if s.latencies.count >= consumers, let w = s.waiter {
                s.waiter = nil
                return (w, s.latencies)
            }
            return nil
        }
        if let (w, l) = resume { w.resume(returning: l) }
    }
}

private final class ProbeTrigger: RefreshTrigger {
    private let probe: LatencyProbe
    private let version: @Sendable () -> Int64?

    init(watcher: MQTTAnnouncementWatcher, probe: LatencyProbe) {
        self.probe = probe
        self.version = { [weak watcher] in watcher?.latestVersion }
    }

    func triggerAsyncRefresh() { probe.triggered(version: version()) }
    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) { triggerAsyncRefresh() }
}

/// A private mosquitto on a free loopback port, started with swift-subprocess (loopback only, anonymous).
private final class PrivateMosquitto: Sendable {
    let port: Int
    let directory: String
    private let task: Task<Void, any Error>
    private let stopSignal: AsyncStream<Void>.Continuation

    private init(port: Int, directory: String, task: Task<Void, any Error>, stopSignal: AsyncStream<Void>.Continuation) {
        self.port = port
        self.directory = directory
        self.task = task
        self.stopSignal = stopSignal
    }

    static func start() async throws -> PrivateMosquitto {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        guard let exeDir = dirs.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/mosquitto") }) else {
            throw CLIError("mosquitto not found (run scripts/install-deps.sh) — or pass --broker host:port")
        }
        let dir = NSTemporaryDirectory() + "/hollow-bench-mqtt-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let port = try freePort()
        var conf = "listener \(port) 127.0.0.1\nallow_anonymous true\nmax_queued_messages 10000\nlog_dest file \(dir)/mosquitto.log\n"
        if geteuid() == 0 { conf += "user root\n" }
        try conf.write(toFile: "\(dir)/mosquitto.conf", atomically: true, encoding: .utf8)
        let (signal, continuation) = AsyncStream<Void>.makeStream()
        let task = Task {
            _ = try await Subprocess.run(
                .name("mosquitto"), arguments: ["-c", "\(dir)/mosquitto.conf"],
                environment: .inherit.updating(["PATH": exeDir]),
                input: .none, output: .discarded, error: .discarded
            ) { execution in
                for await _ in signal { break }
                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
            }
        }
        let broker = PrivateMosquitto(port: port, directory: dir, task: task, stopSignal: continuation)
        for _ in 0..<500 {
            if canConnect(port: port) { return broker }
            try await Task.sleep(for: .milliseconds(10))
        }
        await broker.stop()
        throw CLIError("mosquitto did not start on 127.0.0.1:\(port) (see \(dir)/mosquitto.log)")
    }

    func stop() async {
        stopSignal.yield()
        stopSignal.finish()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard fd >= 0, ok else { throw CLIError("cannot find a free loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
