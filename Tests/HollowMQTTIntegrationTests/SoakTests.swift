import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowProducer
import HollowTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The record of the soak's dataset: 200 of them, ten change per cycle.
private struct SoakMetric: Codable, Sendable {
    var id: Int64
    var name: String
    var value: Int64
}

/// What one consumer did: each successful refresh and each failure, with the time it was reported.
private final class SoakLog: RefreshListener {
    struct Refresh: Sendable {
        var at: ContinuousClock.Instant
        var version: Int64
        var pinned: Bool
    }
    struct Failure: Sendable {
        var at: ContinuousClock.Instant
        var requested: Int64
        var error: String
    }
    private let state = Mutex<(refreshes: [Refresh], failures: [Failure])>(([], []))

    var refreshes: [Refresh] { state.withLock { $0.refreshes } }
    var failures: [Failure] { state.withLock { $0.failures } }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        let r = Refresh(at: .now, version: version, pinned: isPinned)
        state.withLock { $0.refreshes.append(r) }
    }

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        let f = Failure(at: .now, requested: requestedVersion, error: "\(error)")
        state.withLock { $0.failures.append(f) }
    }
}

/// Notes of what the scenario did (printed at the end), and whether it is done (the producer runs until then).
private final class SoakScenario: Sendable {
    private let notes = Mutex<[String]>([])
    private let finished = Atomic<Bool>(false)

    func note(_ s: String) { notes.withLock { $0.append(s) } }
    var all: [String] { notes.withLock { $0 } }
    func finish() { finished.store(true, ordering: .releasing) }
    var isDone: Bool { finished.load(ordering: .acquiring) }
}

/// The producer's announcers in the order `hollow publish --store S --broker URL` uses: the durable
/// `announced.version` first, then MQTT; the first failure fails the cycle.
private struct SoakAnnouncers: Announcer {
    let announcers: [any Announcer]
    func announce(version: Int64) async throws {
        for a in announcers { try await a.announce(version: version) }
    }
}


/// The file descriptors of this process that belong to the soak: TCP connections to its broker and files under
/// its directories. (The test process runs the other suites in parallel, so its total count says little.)
private func soakDescriptors(brokerPort: Int, directories: [String]) -> (total: Int, soak: Int) {
    var brokerSockets: Set<String> = []
    let port = String(format: "%04X", brokerPort)
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = readFile(table).map({ String(decoding: $0, as: UTF8.self) }) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[2].hasSuffix(":" + port) else { continue }
            brokerSockets.insert("socket:[\(fields[9])]")
        }
    }
    let roots = directories.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path + "/" }
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    var soak = 0
    for fd in fds {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else { continue }
        if brokerSockets.contains(target) || roots.contains(where: { target.hasPrefix($0) }) { soak += 1 }
    }
    return (fds.count, soak)
}

/// The short soak (issue 16; the long one is `make soak`): a real producer cycle every second for two minutes,
/// ten real consumers following over a real mosquitto with persistence, a pin and its clear, and one broker crash
/// (SIGKILL, restarted on the same port and persistence file) while the pin is in force. It asserts outcomes only;
/// every wait is a generous hang guard, never a speed assertion (CI runs it on 2 busy cores).
@Suite(
    "Soak: two minutes of cycles, ten MQTT consumers, a pin, a broker crash",
    .enabled(
        if: MosquittoBroker.executablePath != nil && MosquittoBroker.external == nil && MosquittoBroker.hasMosquittoPub,
        "needs a private mosquitto and mosquitto_pub (scripts/install-deps.sh; HOLLOW_TEST_MQTT_BROKER must be unset)"),
    .timeLimit(.minutes(10)))
struct SoakTests {
    static let namespace = "soak"
    static let consumers = 10
    static let cycleSeconds = 120
    /// When the scenario acts, counted from the first cycle.
    static let pinAt: Duration = .seconds(30)
    static let crashAt: Duration = .seconds(55)
    static let clearAt: Duration = .seconds(85)
    /// A hang guard for each wait (all of them end far sooner on an idle machine).
    static let guardTime: Duration = .seconds(120)

    @Test func producerEverySecondConsumersFollowThroughAPinAndABrokerCrash() async throws {
        try await MosquittoBroker.with(options: .init(persistence: true)) { broker in
            let store = try TempStore(namespace: Self.namespace)
            defer { store.remove() }
            let producerClient = try MQTTClient(configuration: testConfiguration(broker, id: "soak-producer"))
            try producerClient.start()
            let producer = HollowProducer(
                publisher: try FilesystemPublisher(path: store.path, namespace: Self.namespace),
                announcer: SoakAnnouncers(announcers: [
                    try FilesystemAnnouncer(path: store.path, namespace: Self.namespace),
                    try MQTTAnnouncer(client: producerClient, namespace: Self.namespace, acknowledgementTimeout: .seconds(10)),
                ]),
                versionMinter: CountingVersionMinter(), numStatesBetweenSnapshots: 20)
            try await producer.initializeDataModel(SoakMetric.self)
            @Sendable func cycle(_ n: Int64) async throws -> Int64 {
                try await producer.runCycle { state in
                    for i in Int64(0)..<200 {
                        _ = try state.add(SoakMetric(id: i, name: "metric-\(i)", value: i % 20 == n % 20 ? n : i))
                    }
                }
            }
            let first = try await cycle(0)

            // Ten consumers wired like `hollow watch --broker`: half with the store (pin files, announced.version),
            // half on the broker alone.
            var fleet: [(consumer: HollowConsumer, watcher: MQTTAnnouncementWatcher, log: SoakLog)] = []
            for i in 0..<Self.consumers {
                let watcher = try MQTTAnnouncementWatcher(
                    configuration: testConfiguration(broker, id: "soak-consumer-\(i)"), namespace: Self.namespace,
                    store: i.isMultiple(of: 2) ? store.reader() : nil)
                let log = SoakLog()
                let consumer = HollowConsumer(
                    blobRetriever: try FilesystemBlobRetriever(path: store.path, namespace: Self.namespace),
                    announcementWatcher: watcher, refreshListeners: [log])
                fleet.append((consumer, watcher, log))
            }
            let fleetSnapshot = fleet
            func everyConsumer(_ what: String, _ condition: (HollowConsumer, MQTTAnnouncementWatcher) -> Bool) async throws {
                try await eventually(
                    "\(what); consumers hold \(fleetSnapshot.map { $0.consumer.currentVersion ?? -1 })",
                    timeout: Self.guardTime
                ) { fleetSnapshot.allSatisfy { condition($0.consumer, $0.watcher) } }
            }

            let scenario = SoakScenario()
            var pin: Int64 = -1
            var pinReached: [ContinuousClock.Instant] = []
            var clearIssued = ContinuousClock.now
            var restartWindow = (ContinuousClock.now, ContinuousClock.now)
            var firstFDs = (total: 0, soak: 0)
            var lastFDs = (total: 0, soak: 0)
            var failedCycles: [(ContinuousClock.Instant, String)] = []
            var cycles = 0

            try await withThrowingTaskGroup(of: Void.self) { group in
                for member in fleet {
                    group.addTask { await member.consumer.run() }
                    group.addTask { try await member.watcher.run() }
                }
                try await everyConsumer("every consumer loads version \(first)") { c, _ in c.currentVersion == first }

                // The producer: a cycle every second (or back to back when a cycle takes longer) for two minutes,
                // and on until the scenario is done. A failed cycle is counted; the next one retries.
                let start = ContinuousClock.now
                let producerTask = Task {
                    var failed: [(ContinuousClock.Instant, String)] = []
                    var n: Int64 = 1
                    var lastSucceeded = true
                    // Bounded: at most 1,000 cycles; after the two minutes, on until the scenario is done and the
                    // last cycle was announced (so the consumers have a version to end on).
                    while n < 1000,
                        ContinuousClock.now - start < .seconds(Self.cycleSeconds)
                            || !scenario.isDone || !lastSucceeded
                    {
                        let tick = start + .seconds(n)
                        do {
                            _ = try await cycle(n)
                            lastSucceeded = true
                        } catch {
                            failed.append((.now, "\(error)"))
                            lastSucceeded = false
                        }
                        n += 1
                        if tick > .now { try await Task.sleep(until: tick, clock: .continuous) }
                    }
                    return (Int(n) - 1, failed)
                }

                // The scenario, beside the producer.
                do {
                    try await Task.sleep(until: start + .seconds(20), clock: .continuous)
                    firstFDs = soakDescriptors(brokerPort: broker.port, directories: [store.path, broker.directory])
                    try await Task.sleep(until: start + Self.pinAt, clock: .continuous)
                    let announced = await producer.lastAnnouncedVersion ?? first
                    pin = max(first, announced - 5)
                    let pinned = pin
                    let pinIssued = ContinuousClock.now
                    try await pinLikeTheCLI(broker, store, pinned)
                    scenario.note("pin \(pinned) at \(ContinuousClock.now - start)")
                    try await everyConsumer("every consumer pinned to \(pinned)") { c, _ in c.currentVersion == pinned }
                    // (They held the pinned version once before, on the way up: count from the refresh back to it.)
                    pinReached = fleet.map { m in
                        m.log.refreshes.first { $0.version == pinned && $0.at >= pinIssued }?.at ?? .now
                    }

                    try await Task.sleep(until: max(ContinuousClock.now, start + Self.crashAt), clock: .continuous)
                    let settled = fleet.map { $0.watcher.settledConnections }
                    let crash = ContinuousClock.now
                    await broker.kill()
                    try await broker.restart()
                    scenario.note("broker killed and back at \(ContinuousClock.now - start)")
                    for (member, before) in zip(fleet, settled) {
                        try await waitUntilSettled(member.watcher, count: before + 1, timeout: Self.guardTime)
                    }
                    restartWindow = (crash, ContinuousClock.now + .seconds(15))
                    // The retained pin survived the SIGKILL (persistence), and every consumer still holds it.
                    try await retainedVersion(broker, topic: "hollow/\(Self.namespace)/pin", equals: pinned)
                    #expect(fleet.allSatisfy { $0.watcher.pinnedVersion == pinned && $0.consumer.currentVersion == pinned })

                    try await Task.sleep(until: max(ContinuousClock.now, start + Self.clearAt), clock: .continuous)
                    clearIssued = ContinuousClock.now
                    try await unpinLikeTheCLI(broker, store)
                    scenario.note("pin cleared at \(ContinuousClock.now - start)")
                    try await everyConsumer("every consumer released from pin \(pinned)") { c, w in
                        !w.isPinned && !c.isPinned && (c.currentVersion ?? -1) > pinned
                    }
                    scenario.finish()
                } catch {
                    producerTask.cancel()  // a hang guard fired or a step failed: stop cycling, then fail
                    group.cancelAll()
                    throw error
                }

                let (count, failed) = try await producerTask.value
                cycles = count
                failedCycles = failed
                let last = try #require(await producer.lastAnnouncedVersion)
                scenario.note("producer stopped at \(ContinuousClock.now - start), last announced \(last)")
                try await everyConsumer("every consumer on the last version \(last)") { c, _ in c.currentVersion == last }
                try await everyConsumer("every watcher connected") { _, w in w.client.isConnected }
                // Measured while everything still runs: ten watcher connections and the producer's.
                lastFDs = soakDescriptors(brokerPort: broker.port, directories: [store.path, broker.directory])
                group.cancelAll()
            }

            // No consumer error outside the restart window.
            let outside = fleet.enumerated().flatMap { i, m in
                m.log.failures.filter { $0.at < restartWindow.0 || $0.at > restartWindow.1 }.map { "consumer \(i): \($0)" }
            }
            #expect(outside.isEmpty, "consumer errors outside the broker restart: \(outside.prefix(5))")
            // The pin was honoured from the moment each consumer reached it until the clear: no version above it.
            for (i, member) in fleet.enumerated() {
                let above = member.log.refreshes.filter { $0.at > pinReached[i] && $0.at < clearIssued && $0.version > pin }
                #expect(above.isEmpty, "consumer \(i) went above pin \(pin) while it was set: \(above.map(\.version))")
            }
            // File descriptors: the soak's own (broker connections, store files) are not growing.
            #expect(firstFDs.soak >= Self.consumers + 1, "the count sees the broker connections: \(firstFDs.soak)")
            #expect(lastFDs.soak <= firstFDs.soak + 3, "soak descriptors \(firstFDs.soak) after 20 s, \(lastFDs.soak) at the end")

            let refreshes = fleet.reduce(0) { $0 + $1.log.refreshes.count }
            let failures = fleet.reduce(0) { $0 + $1.log.failures.count }
            print(
                "soak: \(cycles) cycles (\(failedCycles.count) failed: \(failedCycles.prefix(3).map(\.1))), "
                    + "\(Self.consumers) consumers, \(refreshes) refreshes, \(failures) consumer errors "
                    + "(\(outside.count) outside the restart window); \(scenario.all.joined(separator: "; ")); "
                    + "descriptors (soak/process) after 20 s \(firstFDs.soak)/\(firstFDs.total), "
                    + "at the end \(lastFDs.soak)/\(lastFDs.total)")
            await producerClient.shutdown()
        }
    }
}
