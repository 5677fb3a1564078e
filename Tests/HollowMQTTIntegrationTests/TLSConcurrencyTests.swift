import Foundation
import HollowCore
import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// CI once died with SIGSEGV inside libssl: libmosquitto wrote a packet queued from another thread on that thread,
/// concurrently with the network thread's `SSL_read`, and after a DISCONNECT freed the TLS session under it. Now
/// only the network thread touches the socket. This drives exactly those paths over TLS: clients that receive a
/// stream of messages while other threads publish on them, then shut down (or are dropped) mid-stream.
@Suite(
    "TLS clients under concurrent publish and shutdown",
    .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)),
    .enabled(if: MosquittoBroker.external == nil, Comment(rawValue: MosquittoBroker.privateBrokerReason)),
    .timeLimit(.minutes(3)))
struct TLSConcurrencyTests {
    @Test func clientsShutDownWhileMessagesStreamIn() async throws {
        let (broker, certs) = try await startProductionBroker()
        defer { try? FileManager.default.removeItem(atPath: certs) }
        do {
            let tlsPort = try #require(broker.tlsPort)
            func tlsConfig(_ id: String, _ user: String, _ password: String) -> MQTTClientConfiguration {
                tlsClientConfiguration(broker, tlsPort: tlsPort, certs: certs, id: id, user: user, password: password)
            }
            let producer = try MQTTClient(configuration: tlsConfig("flood-p", "producer", "p-secret"))
            try await producer.waitUntilConnected(timeout: .seconds(10))
            let flooding = Atomic<Bool>(true)
            let flood = Task.detached {
                var n = 0
                while flooding.load(ordering: .relaxed) {
                    try? producer.publishWithoutWaiting(
                        topic: "hollow/flood/announced", payload: Array("\(n)".utf8), qos: .atMostOnce)
                    n += 1
                    // A steady stream (at most ~5,000 messages a second), not a flood that starves the machine.
                    if n % 10 == 0 { try? await Task.sleep(for: .milliseconds(2)) }
                }
            }

            // The operator sees every status message: each client's last one must arrive.
            let observer = try MQTTClient(configuration: tlsConfig("flood-o", "operator", "o-secret"))
            let lastStatus = Mutex<[String: String]>([:])
            observer.subscribe(["hollow/flood/consumers/#"]) { message in
                lastStatus.withLock { $0[message.topic] = String(decoding: message.payload, as: UTF8.self) }
            }
            try await observer.waitUntilConnected(timeout: .seconds(10))

            for round in 0..<4 {
                var clients: [MQTTClient] = []
                var counters: [Counter] = []
                for i in 0..<12 {
                    let client = try MQTTClient(configuration: tlsConfig("flood-c\(round)-\(i)", "consumer", "c-secret"))
                    let counter = Counter()
                    client.subscribe(["hollow/flood/announced"], qos: .atMostOnce) { _ in counter.add() }
                    try client.start()
                    clients.append(client)
                    counters.append(counter)
                }
                for client in clients { try await client.waitUntilConnected(timeout: .seconds(10)) }
                for counter in counters { try await counter.waitForMessages(timeout: .seconds(10)) }
                // Each client publishes its own status from this thread while its network thread reads the stream,
                // then half shut down cleanly and half are dropped without shutdown (deinit's path).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, client) in clients.enumerated() {
                        group.addTask {
                            let topic = "hollow/flood/consumers/\(client.clientID)"
                            for k in 0..<9 {
                                try? client.publishWithoutWaiting(topic: topic, payload: Array("{\"k\":\(k)}".utf8), qos: .atLeastOnce)
                            }
                            // A clean session drops QoS 1 messages still unacknowledged at DISCONNECT: wait for the last.
                            try await client.publish(topic: topic, payload: Array("{\"k\":9}".utf8), timeout: .seconds(10))
                            if i.isMultiple(of: 2) { await client.shutdown() }
                        }
                    }
                    try await group.waitForAll()
                }
                let ids = clients.map(\.clientID)
                clients.removeAll()
                let deadline = ContinuousClock.now + .seconds(10)
                func missing() -> [String] {
                    lastStatus.withLock { seen in
                        ids.filter { seen["hollow/flood/consumers/\($0)"] != "{\"k\":9}" }
                    }
                }
                while !missing().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(
                    missing().isEmpty,
                    "round \(round): the last status of a client never arrived; seen: \(lastStatus.withLock { $0 })")
            }
            flooding.store(false, ordering: .relaxed)
            await flood.value
            // The process is alive and the broker still serves a new TLS client.
            let last = try MQTTClient(configuration: tlsConfig("flood-last", "consumer", "c-secret"))
            try await last.waitUntilConnected(timeout: .seconds(10))
            await last.shutdown()
            await observer.shutdown()
            await producer.shutdown()
        } catch {
            print("broker log:\n\(broker.log)")
            await broker.stop()
            throw error
        }
        await broker.stop()
    }
}

private final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add() { count.add(1, ordering: .relaxed) }

    func waitForMessages(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while value == 0 {
            guard ContinuousClock.now < deadline else { throw TestFailure("no message arrived within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
