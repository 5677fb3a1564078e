import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// `MQTTClientConfiguration.cleanSession = false` against a real mosquitto: the broker keeps the session.
@Suite(
    "Persistent sessions (cleanSession false)",
    .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)), .timeLimit(.minutes(3)))
struct PersistentSessionTests {
    @Test(
        "QoS 1 messages published while a persistent subscriber is away arrive after it reconnects; a clean one loses them",
        arguments: [MQTTProtocolVersion.v5, .v311])
    func queuedWhileAway(version: MQTTProtocolVersion) async throws {
        try await MosquittoBroker.with { broker in
            let topic = "hollow/ns/sources/\(uniqueID("edge"))"
            var persistent = testConfiguration(broker, id: "persistent")
            persistent.cleanSession = false
            persistent.protocolVersion = version
            var clean = testConfiguration(broker, id: "clean")
            clean.protocolVersion = version

            // First connections: the sessions (and subscriptions) are created.
            for config in [persistent, clean] {
                let first = try MQTTClient(configuration: config)
                first.subscribe([topic]) { _ in }
                try await first.waitUntilConnected(timeout: .seconds(5))
                // A publish from this client after its SUBSCRIBE reaches the broker after it, so the subscription exists.
                try await first.publish(topic: "hollow/ns/probe", payload: [1], timeout: .seconds(5))
                await first.shutdown()
            }

            let publisher = try MQTTClient(configuration: testConfiguration(broker, id: "publisher"))
            try await publisher.waitUntilConnected(timeout: .seconds(5))
            for i in 1...3 {
                try await publisher.publish(topic: topic, payload: Array("\(i)".utf8), qos: .atLeastOnce, timeout: .seconds(5))
            }
            await publisher.shutdown()

            let cases: [(MQTTClientConfiguration, [String])] = [(persistent, ["1", "2", "3"]), (clean, [])]
            for (config, expected) in cases {
                let received = Received()
                let again = try MQTTClient(configuration: config)
                again.subscribe([topic]) { m in received.append(m.payloadString) }
                try await again.waitUntilConnected(timeout: .seconds(5))
                // A marker published after reconnecting arrives after anything the broker queued for the session.
                try await again.publish(topic: topic, payload: Array("marker".utf8), timeout: .seconds(5))
                let deadline = ContinuousClock.now + .seconds(10)
                while !received.all.contains("marker"), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                await again.shutdown()
                #expect(received.all == expected + ["marker"], "\(config.clientID), \(version)")
            }
        }
    }
}

/// Payloads received on the network thread.
private final class Received: Sendable {
    private let payloads = Mutex<[String]>([])
    func append(_ payload: String) { payloads.withLock { $0.append(payload) } }
    var all: [String] { payloads.withLock { $0 } }
}
