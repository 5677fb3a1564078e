import Foundation
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// The production config's autosave lines (broker/mosquitto.prod.conf), to run a test broker with them.
func productionAutosaveSettings() throws -> [String] {
    let text = try String(contentsOfFile: "\(brokerDirectory)/mosquitto.prod.conf", encoding: .utf8)
    let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("autosave_") }
    guard !lines.isEmpty else { throw TestFailure("broker/mosquitto.prod.conf has no autosave_ lines") }
    return lines
}

/// Pins like `hollow pin NS V [--group G] --store S --broker URL`: the store's pin file first, then the
/// retained MQTT pin.
func pinLikeTheCLI(_ broker: MosquittoBroker, _ store: TempStore, _ version: Int64, group: String? = nil) async throws {
    try store.pins.write(version, group: group)
    let topic = "hollow/\(store.namespace)/pin" + (group.map { "/\($0)" } ?? "")
    let r = try await broker.mosquittoPub(["-r", "-q", "1", "-t", topic, "-m", String(version)])
    guard r.exitCode == 0 else { throw TestFailure("mosquitto_pub failed: \(r.output)") }
}

/// Unpins like `hollow unpin NS [--group G] --store S --broker URL`: the pin file goes first, then the empty
/// retained message.
func unpinLikeTheCLI(_ broker: MosquittoBroker, _ store: TempStore, group: String? = nil) async throws {
    try store.pins.remove(group: group)
    let topic = "hollow/\(store.namespace)/pin" + (group.map { "/\($0)" } ?? "")
    let r = try await broker.mosquittoPub(["-r", "-q", "1", "-n", "-t", topic])
    guard r.exitCode == 0 else { throw TestFailure("mosquitto_pub failed: \(r.output)") }
}

@Suite(
    "Broker faults: pins and announcements survive a broker crash",
    .enabled(if: MosquittoBroker.isAvailable && MosquittoBroker.external == nil), .timeLimit(.minutes(3)))
struct FaultTests {
    @Test func productionPersistenceKeepsAPinThroughSIGKILL() async throws {
        let autosave = try productionAutosaveSettings()
        try await MosquittoBroker.with(options: .init(persistence: true, autosaveSettings: autosave)) { broker in
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/announced", "-m", "2"])
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/pin", "-m", "1"])
            await broker.kill()  // SIGKILL right after the pin was acknowledged
            try await broker.restart()
            // A consumer that starts now gets the pin from the broker.
            let (watcher, trigger) = try await startWatcher(broker, namespace: "ns")
            try await trigger.waitFor(1)
            #expect(watcher.isPinned && watcher.announcedVersion == 2, "with \(autosave)")
            await watcher.stop()
        }
    }

    @Test func pinSurvivesABrokerThatComesBackEmpty() async throws {
        // No broker persistence: after the SIGKILL the broker has no retained pin nor announcement at all.
        try await MosquittoBroker.with { broker in
            let store = try TempStore(namespace: "ns")
            defer { store.remove() }
            try await store.announce(2)
            let (announcer, producer) = try makeAnnouncer(broker, namespace: "ns")
            try await announcer.announce(version: 1)
            try await announcer.announce(version: 2)
            let (plain, plainTrigger) = try await startWatcher(broker, namespace: "ns", id: "plain")
            let (stored, storedTrigger) = try await startWatcher(broker, namespace: "ns", id: "stored", store: store.reader())
            try await plainTrigger.waitFor(2)
            try await storedTrigger.waitFor(2)

            try await pinLikeTheCLI(broker, store, 1)
            try await plainTrigger.waitFor(1)
            try await storedTrigger.waitFor(1)
            let settled = (plain.settledConnections, stored.settledConnections)
            await broker.kill()
            try await broker.restart()
            try await waitUntilSettled(plain, count: settled.0 + 1)
            try await waitUntilSettled(stored, count: settled.1 + 1)
            // The producer re-asserts its announcement; the running consumers keep the pin.
            _ = try await retainedVersion(broker, topic: "hollow/ns/announced", equals: 2)
            #expect(plain.isPinned && plain.latestVersion == 1, "running, no store: unknown is not cleared")
            #expect(stored.isPinned && stored.latestVersion == 1, "running, with a store")

            // Consumers started now: with a store, pinned at once (before the broker answers) and after.
            let (late, lateTrigger) = try await startWatcher(broker, namespace: "ns", id: "late", store: store.reader())
            #expect(lateTrigger.seen.first == 1, "seeded from the store: \(lateTrigger.seen)")
            try await waitUntilSettled(late, count: 1)
            #expect(late.isPinned && late.latestVersion == 1 && late.announcedVersion == 2)
            // Without a store nothing tells a new consumer about the lost pin (documented): it follows the
            // re-asserted announcement.
            let (blind, blindTrigger) = try await startWatcher(broker, namespace: "ns", id: "blind")
            try await blindTrigger.waitFor(2)
            #expect(!blind.isPinned)

            // An explicit clear still works.
            try await unpinLikeTheCLI(broker, store)
            try await plainTrigger.waitFor(2)
            try await storedTrigger.waitFor(2)
            try await lateTrigger.waitFor(2)
            for w in [plain, stored, late, blind] { await w.stop() }
            await producer.shutdown()
        }
    }

    @Test func brokerRestartedEmptyConvergesOnTheStore() async throws {
        try await MosquittoBroker.with { broker in
            let store = try TempStore(namespace: "ns")
            defer { store.remove() }
            // The producer announces 3 in the store and on MQTT (like `hollow publish --broker`), then goes away.
            try await store.announce(3)
            let (announcer, producer) = try makeAnnouncer(broker, namespace: "ns")
            try await announcer.announce(version: 3)
            let (running, runningTrigger) = try await startWatcher(broker, namespace: "ns", id: "running")
            try await runningTrigger.waitFor(3)
            await producer.shutdown()
            await broker.kill()
            try await broker.restart()  // empty: no retained announcement

            // A consumer with a store starts on the store's announcement, with no producer and no retained value.
            let (fresh, freshTrigger) = try await startWatcher(broker, namespace: "ns", id: "fresh", store: store.reader())
            #expect(freshTrigger.seen == [3])
            try await waitUntilSettled(fresh, count: 1)
            #expect(fresh.latestVersion == 3)
            try await waitUntilSettled(running, count: 2)
            #expect(running.latestVersion == 3, "a running consumer keeps its version")

            // A producer that reconnects restores the retained value: a new producer process announcing 4 does,
            // and so does the same announcer after a broker restart (next test step).
            let (announcer2, producer2) = try makeAnnouncer(broker, namespace: "ns")
            try await store.announce(4)
            try await announcer2.announce(version: 4)
            try await freshTrigger.waitFor(4)
            try await runningTrigger.waitFor(4)
            await broker.kill()
            try await broker.restart()
            #expect(try await retainedVersion(broker, topic: "hollow/ns/announced", equals: 4) == 4)
            let (blind, blindTrigger) = try await startWatcher(broker, namespace: "ns", id: "blind")
            try await blindTrigger.waitFor(4)
            for w in [running, fresh, blind] { await w.stop() }
            await producer2.shutdown()
        }
    }

    /// Documented outcome (docs/topic-contract.md): a pin cleared while a consumer was cut off is cleared for a
    /// consumer with a store (`hollow unpin --store` removed the pin file); a consumer without a store cannot
    /// tell "cleared" from "lost" and keeps the pin until the next explicit clear reaches it.
    @Test func pinClearedWhileDisconnected() async throws {
        try await MosquittoBroker.with(options: .init(persistence: true)) { broker in
            let store = try TempStore(namespace: "ns")
            defer { store.remove() }
            try await store.announce(9)
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/announced", "-m", "9"])
            // Reconnects wait 4 s, so the clears below land while both watchers are still cut off, also on a
            // loaded machine (with the default 1 s a watcher could be back before the clear and receive it).
            let slowReconnect: (inout MQTTClientConfiguration) -> Void = {
                $0.reconnectDelayMin = 4
                $0.reconnectDelayMax = 8
            }
            let (plain, plainTrigger) = try await startWatcher(
                broker, namespace: "ns", group: "g", id: "plain", configure: slowReconnect)
            let (stored, storedTrigger) = try await startWatcher(
                broker, namespace: "ns", group: "g", id: "stored", store: store.reader(group: "g"),
                configure: slowReconnect)
            try await pinLikeTheCLI(broker, store, 5)
            try await pinLikeTheCLI(broker, store, 6, group: "g")
            try await plainTrigger.waitFor(6)
            try await storedTrigger.waitFor(6)
            let settled = (plain.settledConnections, stored.settledConnections)
            await broker.halt()  // retained values are saved
            try await broker.restart()
            // Cleared before the watchers reconnect (they retry after 4 s): no message reaches them.
            try await unpinLikeTheCLI(broker, store, group: "g")
            try await unpinLikeTheCLI(broker, store)
            try await waitUntilSettled(plain, count: settled.0 + 1)
            try await waitUntilSettled(stored, count: settled.1 + 1)
            #expect(!stored.isPinned && stored.latestVersion == 9, "the store says the pins are gone")
            #expect(plain.isPinned && plain.latestVersion == 6, "no store: unknown is not cleared")
            // The next explicit clear reaches the consumer without a store.
            try await broker.mosquittoPub(["-r", "-n", "-t", "hollow/ns/pin/g"])
            try await broker.mosquittoPub(["-r", "-n", "-t", "hollow/ns/pin"])
            try await plainTrigger.waitFor(9)
            #expect(!plain.isPinned)
            await plain.stop()
            await stored.stop()
        }
    }
}

/// Reads the retained value of `topic` with `mosquitto_sub` until it holds `expected` (bounded: 20 tries).
@discardableResult
func retainedVersion(_ broker: MosquittoBroker, topic: String, equals expected: Int64) async throws -> Int64 {
    var last = ""
    for _ in 0..<20 {
        let r = try await broker.mosquittoSub(["-C", "1", "-W", "1", "-t", topic])
        last = r.output
        if let line = r.output.split(separator: "\n").first,
            let v = try? MQTTVersionPayload.parse(Array(line.utf8))?.version, v == expected
        {
            return v
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("the retained value of \(topic) is not \(expected): \(last)")
}
