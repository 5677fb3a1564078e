import HollowCore
import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// A consumer stand-in: records the watcher's version each time the watcher triggers a refresh.
/// (The broker is real; only the consumer is a test double.)
final class RecordingTrigger: RefreshTrigger {
    private struct State {
        var seen: [Int64?] = []
        /// Waiters by id: the version each waits for.
        var waiters: [Int: (version: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }
    private let state = Mutex(State())
    private let version: @Sendable () -> Int64?

    init(watcher: MQTTAnnouncementWatcher) {
        self.version = { [weak watcher] in watcher?.latestVersion }
    }

    func triggerAsyncRefresh() {
        let v = version()
        let ready = state.withLock { s in
            s.seen.append(v)
            let ids = s.waiters.filter { $0.value.version == v }.map(\.key)
            return ids.compactMap { s.waiters.removeValue(forKey: $0)?.continuation }
        }
        for c in ready { c.resume() }
    }

    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) { triggerAsyncRefresh() }

    /// The versions seen at each trigger, in order.
    var seen: [Int64?] { state.withLock { $0.seen } }

    /// Returns once the latest trigger saw `version` (now or later); throws its message after `timeout` (the wait is
    /// cancelled, so the test fails instead of hanging).
    func waitFor(_ version: Int64, timeout: Duration = .seconds(15)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let id = self.state.withLock { s in
                    s.nextWaiter += 1
                    return s.nextWaiter
                }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { c in
                        let done = self.state.withLock { s in
                            if s.seen.last == version || Task.isCancelled { return true }
                            s.waiters[id] = (version, c)
                            return false
                        }
                        if done { c.resume() }
                    }
                } onCancel: {
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TestFailure("no refresh trigger for version \(version) within \(timeout); seen \(self.seen)")
            }
            try await group.next()
            group.cancelAll()
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
    configure: (inout MQTTClientConfiguration) -> Void = { _ in }
) async throws -> (MQTTAnnouncementWatcher, RecordingTrigger) {
    var config = testConfiguration(broker, id: id)
    configure(&config)
    let watcher = try MQTTAnnouncementWatcher(configuration: config, namespace: namespace, group: group)
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
    private struct Waiter {
        let match: @Sendable (MQTTConsumerStatus) -> Bool
        let continuation: CheckedContinuation<MQTTConsumerStatus?, Never>
    }
    private let state = Mutex<(seen: [MQTTConsumerStatus], waiters: [UInt64: Waiter], next: UInt64)>(([], [:], 0))

    init(client: MQTTClient, topic: String) {
        client.subscribe([topic]) { [weak self] message in
            guard let self, let status = try? MQTTConsumerStatus.parse(message.payload) else { return }
            let ready = self.state.withLock { s -> [(CheckedContinuation<MQTTConsumerStatus?, Never>)] in
                s.seen.append(status)
                let ids = s.waiters.filter { $0.value.match(status) }.map(\.key)
                return ids.compactMap { s.waiters.removeValue(forKey: $0)?.continuation }
            }
            for c in ready { c.resume(returning: status) }
        }
    }

    /// The first status published from now on (or the latest one already seen) that matches; throws its message
    /// after `timeout` (the wait is cancelled, so the test fails instead of hanging).
    func waitFor(timeout: Duration = .seconds(15), _ match: @escaping @Sendable (MQTTConsumerStatus) -> Bool) async throws -> MQTTConsumerStatus {
        try await withThrowingTaskGroup(of: MQTTConsumerStatus?.self) { group in
            group.addTask {
                let id = self.state.withLock { s in
                    s.next += 1
                    return s.next
                }
                return await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<MQTTConsumerStatus?, Never>) in
                        let now = self.state.withLock { s -> MQTTConsumerStatus?? in
                            if let last = s.seen.last, match(last) { return .some(last) }
                            if Task.isCancelled { return .some(nil) }
                            s.waiters[id] = Waiter(match: match, continuation: c)
                            return .none
                        }
                        if case .some(let now) = now { c.resume(returning: now) }
                    }
                } onCancel: {
                    let c = self.state.withLock { $0.waiters.removeValue(forKey: id)?.continuation }
                    c?.resume(returning: nil)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TestFailure("no matching consumer status within \(timeout); seen \(self.state.withLock { $0.seen })")
            }
            let r = try await group.next()!
            group.cancelAll()
            return try #require(r)
        }
    }
}
