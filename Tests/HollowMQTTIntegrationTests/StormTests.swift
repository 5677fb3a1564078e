import Foundation
import HollowCore
import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// A consumer stand-in that checks, at every refresh trigger, that the watcher never holds a version older than
/// a pin it has seen (pins in this test only move forward and never exceed the announced version).
final class PinFloorTrigger: RefreshTrigger {
    private struct State {
        var triggers = 0
        var maxPinSeen: Int64 = -1
        var violations: [String] = []
    }
    private let state = Mutex(State())
    private let read: @Sendable () -> (Int64?, Int64?)

    init(watcher: MQTTAnnouncementWatcher) {
        read = { [weak watcher] in (watcher?.latestVersion, watcher?.pinnedVersion) }
    }

    func triggerAsyncRefresh() {
        let (latest, pin) = read()
        state.withLock { s in
            s.triggers += 1
            if let pin { s.maxPinSeen = max(s.maxPinSeen, pin) }
            if let latest, latest < s.maxPinSeen {
                s.violations.append("held \(latest) after seeing pin \(s.maxPinSeen)")
            }
        }
    }

    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) { triggerAsyncRefresh() }

    var violations: [String] { state.withLock { $0.violations } }
    var triggers: Int { state.withLock { $0.triggers } }
}

@Suite(
    "1,000 announcements, 100 consumers, 5 broker kills",
    .enabled(if: MosquittoBroker.isAvailable && MosquittoBroker.external == nil), .timeLimit(.minutes(2)))
struct StormTests {
    @Test func everyConsumerConvergesAndNeverFallsBelowAPin() async throws {
        // No broker persistence: every kill loses the retained announcement and pin (the worst case); the
        // producer re-asserts, the consumers keep unknown pins and settle them from the store.
        try await MosquittoBroker.with { broker in
            let store = try TempStore(namespace: "storm")
            defer { store.remove() }
            var watchers: [(MQTTAnnouncementWatcher, PinFloorTrigger)] = []
            for i in 0..<100 {
                let w = try MQTTAnnouncementWatcher(
                    configuration: testConfiguration(broker, id: "storm\(i)"), namespace: "storm", store: store.reader())
                let t = PinFloorTrigger(watcher: w)
                w.subscribeToUpdates(t)
                try w.start()
                watchers.append((w, t))
            }
            for (w, _) in watchers { try await w.client.waitUntilConnected(timeout: .seconds(20)) }
            let (announcer, producer) = try makeAnnouncer(broker, namespace: "storm", timeout: .seconds(5))

            var restartConvergence: [Duration] = []
            var failedAnnouncements = 0
            for version in Int64(1)...1000 {
                try await store.announce(version)
                var announced = false
                for _ in 0..<10 where !announced {  // a failed cycle is retried, as the next cycle would
                    do {
                        try await announcer.announce(version: version)
                        announced = true
                    } catch {
                        failedAnnouncements += 1
                    }
                }
                #expect(announced, "version \(version) was never acknowledged")
                switch version % 200 {
                case 150: try await pinLikeTheCLI(broker, store, version - 10)
                case 50: try await unpinLikeTheCLI(broker, store)
                case 0:
                    let settled = watchers.map { $0.0.settledConnections }
                    await broker.kill()
                    try await broker.restart()
                    let start = ContinuousClock.now
                    for ((w, _), before) in zip(watchers, settled) {
                        try await waitUntilSettled(w, count: before + 1, timeout: .seconds(30))
                    }
                    restartConvergence.append(ContinuousClock.now - start)
                default: break
                }
            }
            try await unpinLikeTheCLI(broker, store)
            for (w, t) in watchers {
                try await eventually("\(w.client.clientID) holds 1000 unpinned (has \(w.latestVersion ?? -1))") {
                    w.latestVersion == 1000 && !w.isPinned
                }
                #expect(t.violations.isEmpty, "\(w.client.clientID): \(t.violations.prefix(3))")
            }
            let ms = restartConvergence.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
            print(
                "storm: 1000 announcements, 100 consumers, 5 broker kills; failed announce attempts \(failedAnnouncements); "
                    + "restart to every consumer re-settled: median \(Int(ms[ms.count / 2])) ms, all \(ms.map { Int($0) }) ms")
            for (w, _) in watchers { await w.stop() }
            await producer.shutdown()
        }
    }
}
