import Foundation
import HollowFilesystem
import HollowMQTT
import HollowTestSupport
import Subprocess
import Synchronization
import Testing

@Suite(
    "hollow pin/unpin/status/watch with a store",
    .enabled(
        if: MosquittoBroker.isAvailable && MosquittoBroker.external == nil && hollowBinary != nil,
        "needs mosquitto, a private broker (HOLLOW_TEST_MQTT_BROKER unset) and the built hollow binary next to the tests"),
    .timeLimit(.minutes(3)))
struct CLIFaultTests {
    @Test func pinAndUnpinWriteTheStoreAndTheBroker() async throws {
        try await MosquittoBroker.with { broker in
            let store = try TempStore(namespace: "ns")
            defer { store.remove() }
            let url = "mqtt://127.0.0.1:\(broker.port)"
            var r = try await runHollow(["pin", "--store", store.path, "--namespace", "ns", "5", "--broker", url])
            #expect(r.status == 0, "\(r.output)")
            #expect(try store.pins.read() == 5)
            #expect(try String(contentsOfFile: "\(store.path)/ns/pin", encoding: .utf8) == "5")
            #expect(try await retainedVersion(broker, topic: "hollow/ns/pin", equals: 5) == 5)
            r = try await runHollow(["pin", "--store", store.path, "--namespace", "ns", "6", "--group", "canary", "--broker", url])
            #expect(r.status == 0, "\(r.output)")
            #expect(try store.pins.read(group: "canary") == 6)
            r = try await runHollow(["status", "--store", store.path, "--namespace", "ns", "--broker", url])
            #expect(r.output.contains("store pin:       5") && r.output.contains("store pin-canary: 6"), "\(r.output)")

            r = try await runHollow(["unpin", "--store", store.path, "--namespace", "ns", "--broker", url])
            #expect(r.status == 0, "\(r.output)")
            #expect(try store.pins.read() == nil)
            let sub = try await broker.mosquittoSub(["-C", "1", "-W", "1", "-t", "hollow/ns/pin"])
            #expect(!sub.output.contains("5"), "the retained pin is gone: \(sub.output)")

            // The store alone (the broker is down during an incident); --broker-only without a broker: a clear error.
            r = try await runHollow(["pin", "--store", store.path, "--namespace", "ns", "7"])
            #expect(r.status == 0, "\(r.output)")
            #expect(try store.pins.read() == 7)
            r = try await runHollow(["pin", "--store", store.path, "--namespace", "ns", "7", "--broker-only"])
            #expect(r.status != 0 && r.output.contains("--broker-only needs --broker"), "\(r.output)")
            #expect(try store.pins.read() == 7, "a refused command leaves the store's pin alone")
            r = try await runHollow(["pin", "--store", store.path, "--namespace", "ns", "7", "--group", "../x"])
            #expect(r.status != 0 && r.output.contains("bad group"), "\(r.output)")
        }
    }

    /// The second case: a store whose announced.version says 2 and a broker with nothing retained.
    /// `hollow watch --store --broker` loads version 2 at once (it waited for the producer's next cycle before).
    @Test func watchStartsOnTheStoreWithAnEmptyBrokerAndFailsOverAcrossURLs() async throws {
        try await MosquittoBroker.with { broker in
            let root = try makeTempDirectory(prefix: "hollow-watch-store")
            defer { try? FileManager.default.removeItem(atPath: root) }
            try FileManager.default.copyItem(atPath: metricsStore, toPath: "\(root)/metrics")
            try "2".write(toFile: "\(root)/metrics/announced.version", atomically: true, encoding: .utf8)
            let dead = try freeLoopbackPort()  // nothing listens there: the watcher fails over to the broker
            let binary = try #require(hollowBinary)
            let seen = SeenRefreshes()
            _ = try await Subprocess.run(
                .name("hollow"),
                arguments: [
                    "watch", "--store", root, "--namespace", "metrics", "--id", uniqueID("cli-watch"),
                    "--broker", "mqtt://127.0.0.1:\(dead)", "--broker", "mqtt://127.0.0.1:\(broker.port)",
                ],
                environment: .inherit.updating(["PATH": URL(fileURLWithPath: binary).deletingLastPathComponent().path]),
                input: .none, output: .sequence, error: .discarded
            ) { execution in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await line in execution.standardOutput.strings() {
                            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                object["event"] as? String == "refresh", let v = (object["version"] as? NSNumber)?.int64Value
                            else { continue }
                            seen.list.withLock { $0.append((v, object["pinned"] as? Bool ?? false)) }
                        }
                    }
                    try await eventually("the watcher loaded version 2 from the store") { seen.list.withLock { $0.last?.version } == 2 }
                    // MQTT stays the fast path: a pin on the broker reaches it.
                    // (retained: it reaches the watcher whenever it has connected).
                    try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/metrics/pin", "-m", "1"])
                    try await eventually("the watcher pins to 1") { seen.list.withLock { $0.last?.version } == 1 }
                    await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
                    try await group.waitForAll()
                }
            }
            let versions = seen.list.withLock { $0 }
            #expect(versions.first?.version == 2 && versions.last?.version == 1 && versions.last?.pinned == true, "\(versions)")
        }
    }
}

/// The refreshes a `hollow watch` process printed: version and pinned.
final class SeenRefreshes: Sendable {
    let list = Mutex<[(version: Int64, pinned: Bool)]>([])
}
