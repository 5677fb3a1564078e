import Foundation
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// A consumer stand-in: records the watcher's version each time the watcher triggers a refresh.
/// (The broker is real; only the consumer is a test double.)
final class RecordingTrigger: RefreshTrigger {
    private struct State {
        var seen: [Int64?] = []
    }
    private let state = Mutex(State())
    private let version: @Sendable () -> Int64?

    init(watcher: MQTTAnnouncementWatcher) {
        self.version = { [weak watcher] in watcher?.latestVersion }
    }

    func triggerAsyncRefresh() {
        let v = version()
        state.withLock { $0.seen.append(v) }
    }

    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) { triggerAsyncRefresh() }

    /// The versions seen at each trigger, in order.
    var seen: [Int64?] { state.withLock { $0.seen } }

    /// Returns once the latest trigger saw `version` (now or later); throws after `timeout`.
    /// (A bounded poll every 5 ms: a timeout throws instead of leaving a waiter that is never resumed.)
    func waitFor(_ version: Int64, timeout: Duration = .seconds(15)) async throws {
        let start = state.withLock { $0.seen.count }
        let deadline = ContinuousClock.now + timeout
        while true {
            let done = state.withLock { s in s.seen.last == version || s.seen[start...].contains(version) }
            if done { return }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("no refresh trigger for version \(version) within \(timeout); seen \(seen)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A unique client id per test (brokers disconnect an older client with the same id).
func uniqueID(_ base: String) -> String { "\(base)-\(UInt32.random(in: 0...UInt32.max))" }

/// Client settings for tests: MQTT 5, reconnect every second (no growing backoff), short keepalive.
func testConfiguration(_ broker: MosquittoBroker, id: String, username: String? = nil, password: String? = nil) -> MQTTClientConfiguration {
    var c = MQTTClientConfiguration(host: broker.host, port: broker.port, clientID: uniqueID(id))
    c.username = username
    c.password = password
    c.reconnectDelayMin = 1
    c.reconnectDelayMax = 1
    c.keepAliveSeconds = 10
    return c
}

/// A started watcher with its own client, a recording consumer subscribed, connected.
func startWatcher(
    _ broker: MosquittoBroker, namespace: String, group: String? = nil, id: String = "watcher",
    store: MQTTStoreReader? = nil, configure: (inout MQTTClientConfiguration) -> Void = { _ in }
) async throws -> (MQTTAnnouncementWatcher, RecordingTrigger) {
    var config = testConfiguration(broker, id: id)
    configure(&config)
    let watcher = try MQTTAnnouncementWatcher(configuration: config, namespace: namespace, group: group, store: store)
    let trigger = RecordingTrigger(watcher: watcher)
    watcher.subscribeToUpdates(trigger)
    try watcher.start()
    try await watcher.client.waitUntilConnected(timeout: .seconds(10))
    return (watcher, trigger)
}

/// An announcer with its own started client.
func makeAnnouncer(_ broker: MosquittoBroker, namespace: String, timeout: Duration = .seconds(5)) throws -> (MQTTAnnouncer, MQTTClient) {
    let client = try MQTTClient(configuration: testConfiguration(broker, id: "producer"))
    try client.start()
    return (try MQTTAnnouncer(client: client, namespace: namespace, acknowledgementTimeout: timeout), client)
}

/// Records every consumer status published on a topic and lets a test wait for one that matches.
final class StatusRecorder: Sendable {
    private let state = Mutex<(seen: [MQTTConsumerStatus], unused: Int)>(([], 0))

    init(client: MQTTClient, topic: String) {
        client.subscribe([topic]) { [weak self] message in
            guard let self, let status = try? MQTTConsumerStatus.parse(message.payload) else { return }
            self.state.withLock { $0.seen.append(status) }
        }
    }

    /// The first status published from now on (or the latest one already seen) that matches.
    /// (A bounded poll every 5 ms: a timeout throws instead of leaving a waiter that is never resumed.)
    func waitFor(timeout: Duration = .seconds(15), _ match: @escaping @Sendable (MQTTConsumerStatus) -> Bool) async throws -> MQTTConsumerStatus {
        let start = state.withLock { $0.seen.count }
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = state.withLock { s -> MQTTConsumerStatus? in
                if let last = s.seen.last, match(last) { return last }
                return s.seen[start...].first(where: match)
            }
            if let found { return found }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("no matching consumer status within \(timeout); seen \(state.withLock { $0.seen })")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A temporary filesystem store for one namespace: `announced.version` and the pin files, as `hollow publish`
/// and `hollow pin --store` write them, and the reader `hollow watch --store` gives its MQTT watcher.
struct TempStore: Sendable {
    let path: String
    let namespace: String
    let pins: FilesystemPins

    init(namespace: String) throws {
        path = try makeTempDirectory(prefix: "hollow-store")
        self.namespace = namespace
        // The namespace directory exists as in a published store (commands refuse a missing one).
        try FileManager.default.createDirectory(atPath: "\(path)/\(namespace)", withIntermediateDirectories: true)
        pins = try FilesystemPins(path: path, namespace: namespace)
    }

    /// Writes `announced.version` (what the producer's filesystem announcer does before the MQTT one).
    func announce(_ version: Int64) async throws {
        try await FilesystemAnnouncer(path: path, namespace: namespace).announce(version: version)
    }

    /// The store as a watcher reads it (the wiring of `hollow watch --store S --broker URL`).
    func reader(group: String? = nil) -> MQTTStoreReader {
        let path = path, namespace = namespace, pins = pins
        return MQTTStoreReader {
            MQTTStoreSnapshot(
                announcedVersion: try FilesystemAnnouncer.readAnnouncedVersion(path: path, namespace: namespace),
                namespacePin: try pins.read(),
                groupPin: try group.flatMap { try pins.read(group: $0) })
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Polls `condition` every 20 ms until it holds; throws after `timeout` with `what` (bounded wait).
func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(20), _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("not within \(timeout): \(what())") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Waits until `watcher` has settled at least `count` (re)connects (retained messages through, unknown pins
/// resolved).
func waitUntilSettled(_ watcher: MQTTAnnouncementWatcher, count: Int, timeout: Duration = .seconds(20)) async throws {
    try await eventually("watcher settled \(count) connections (has \(watcher.settledConnections))", timeout: timeout) {
        watcher.settledConnections >= count
    }
}
