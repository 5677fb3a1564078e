import Foundation
import HollowCore
import HollowMQTT
import HollowTestSupport
import Testing

/// The repository's broker/ directory (the ACL and scripts under test).
let brokerDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("broker").path

/// A broker with the production setup: broker/make-passwords.sh, broker/acl, a TLS listener with certificates
/// from broker/make-certs.sh (all generated in the broker's temp dir).
func startProductionBroker() async throws -> (MosquittoBroker, certs: String) {
    let dir = try makeTempDirectory(prefix: "hollow-prod")
    let passwords = "\(dir)/passwd"
    let pw = try await MosquittoBroker.runTool(
        "bash", ["\(brokerDirectory)/make-passwords.sh", passwords],
        environment: [
            "HOLLOW_PRODUCER_PASSWORD": "p-secret", "HOLLOW_OPERATOR_PASSWORD": "o-secret",
            "HOLLOW_CONSUMER_PASSWORD": "c-secret",
        ])
    guard pw.exitCode == 0 else { throw TestFailure("make-passwords.sh failed: \(pw.output)") }
    let certs = try await MosquittoBroker.runTool("bash", ["\(brokerDirectory)/make-certs.sh", dir])
    guard certs.exitCode == 0 else { throw TestFailure("make-certs.sh failed: \(certs.output)") }
    let tls = MosquittoBroker.TLSFiles(caFile: "\(dir)/ca.crt", certificateFile: "\(dir)/server.crt", keyFile: "\(dir)/server.key")
    let broker = try await MosquittoBroker.start(
        options: .init(passwordFile: passwords, aclFile: "\(brokerDirectory)/acl", tls: tls))
    return (broker, dir)
}

/// A client of the production broker's TLS listener (`localhost`, the name in its certificate), trusting its CA.
func tlsClientConfiguration(
    _ broker: MosquittoBroker, tlsPort: Int, certs: String, id: String, user: String, password: String
) -> MQTTClientConfiguration {
    var c = testConfiguration(broker, id: id, username: user, password: password)
    c.host = "localhost"
    c.port = tlsPort
    c.tls = MQTTTLSConfiguration(caFile: "\(certs)/ca.crt")
    return c
}

@Suite(
    "Production broker config: passwords, ACL, TLS",
    .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)),
    .enabled(if: MosquittoBroker.external == nil, Comment(rawValue: MosquittoBroker.privateBrokerReason)), .timeLimit(.minutes(3)))
struct ProductionConfigTests {
    @Test func consumersCannotAnnounceOrPin() async throws {
        let (broker, certs) = try await startProductionBroker()
        defer { try? FileManager.default.removeItem(atPath: certs) }
        do {
            // Anonymous and wrong-password clients are refused.
            let anonymous = try MQTTClient(configuration: testConfiguration(broker, id: "anon"))
            await #expect(throws: MQTTError.self) { try await anonymous.waitUntilConnected(timeout: .seconds(5)) }
            await anonymous.shutdown()
            let wrong = try MQTTClient(configuration: testConfiguration(broker, id: "wrong", username: "consumer", password: "nope"))
            await #expect(throws: MQTTError.self) { try await wrong.waitUntilConnected(timeout: .seconds(5)) }
            await wrong.shutdown()

            // A consumer: watcher + status reporter on one client.
            let consumerClient = try MQTTClient(configuration: testConfiguration(broker, id: "c", username: "consumer", password: "c-secret"))
            let reporter = try MQTTConsumerStatusReporter(client: consumerClient, namespace: "ns")
            let watcher = try MQTTAnnouncementWatcher(client: consumerClient, namespace: "ns")
            let trigger = RecordingTrigger(watcher: watcher)
            watcher.subscribeToUpdates(trigger)
            try watcher.start()
            try await consumerClient.waitUntilConnected(timeout: .seconds(5))

            // The producer announces.
            let producerClient = try MQTTClient(configuration: testConfiguration(broker, id: "p", username: "producer", password: "p-secret"))
            let producer = try MQTTAnnouncer(client: producerClient, namespace: "ns")
            try await producer.announce(version: 5)
            try await trigger.waitFor(5)

            // The consumer's credentials cannot announce (MQTT 5: the broker answers "not authorised") nor pin.
            let rogue = try MQTTAnnouncer(client: consumerClient, namespace: "ns")
            await #expect(throws: MQTTError.self) { try await rogue.announce(version: 99) }
            await #expect(throws: MQTTError.self) {
                try await consumerClient.publish(topic: "hollow/ns/pin", payload: Array("666".utf8), retain: true, timeout: .seconds(5))
            }
            await #expect(throws: MQTTError.self) {
                try await consumerClient.publish(topic: "hollow/ns/consumers/someone-else", payload: Array("{}".utf8), retain: true, timeout: .seconds(5))
            }
            // ... nor with mosquitto_pub (MQTT 3.1.1: the broker silently drops the message).
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/pin", "-m", "667"], username: "consumer", password: "c-secret")
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/announced", "-m", "668"], username: "consumer", password: "c-secret")
            // The producer cannot pin either.
            await #expect(throws: MQTTError.self) {
                try await producerClient.publish(topic: "hollow/ns/pin", payload: Array("1".utf8), retain: true, timeout: .seconds(5))
            }
            // The operator can.
            let op = try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/pin", "-m", "3"], username: "operator", password: "o-secret")
            #expect(op.exitCode == 0, "\(op.output)")
            try await trigger.waitFor(3)
            #expect(trigger.seen == [5, 3], "the watcher never acted on refused messages")

            // The consumer's own status topic is writable, and readable by the operator.
            reporter.refreshSuccessful(beforeVersion: 5, version: 3, requestedVersion: 3, duration: .milliseconds(12), isPinned: true)
            let sub = try await broker.mosquittoSub(
                ["-C", "1", "-W", "5", "-t", reporter.topic], username: "operator", password: "o-secret")
            let status = try #require(try MQTTConsumerStatus.parse(Array(sub.output.utf8.prefix { $0 != 10 })))
            #expect(status.version == 3 && status.pinned == true && status.online)

            await watcher.stop()
            await consumerClient.shutdown()
            await producerClient.shutdown()
        } catch {
            print("broker log:\n\(broker.log)")
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    @Test func tlsWorks() async throws {
        let (broker, certs) = try await startProductionBroker()
        defer { try? FileManager.default.removeItem(atPath: certs) }
        do {
            let tlsPort = try #require(broker.tlsPort)
            func tlsConfig(_ id: String, _ user: String, _ password: String) -> MQTTClientConfiguration {
                tlsClientConfiguration(broker, tlsPort: tlsPort, certs: certs, id: id, user: user, password: password)
            }
            let watcher = try MQTTAnnouncementWatcher(configuration: tlsConfig("tls-c", "consumer", "c-secret"), namespace: "secure")
            let trigger = RecordingTrigger(watcher: watcher)
            watcher.subscribeToUpdates(trigger)
            try watcher.start()
            try await watcher.client.waitUntilConnected(timeout: .seconds(5))

            let producerClient = try MQTTClient(configuration: tlsConfig("tls-p", "producer", "p-secret"))
            try await MQTTAnnouncer(client: producerClient, namespace: "secure").announce(version: 42)
            try await trigger.waitFor(42)

            // A client certificate is accepted too (the listener does not require it).
            var withCert = tlsConfig("tls-cert", "consumer", "c-secret")
            withCert.tls?.certificateFile = "\(certs)/client.crt"
            withCert.tls?.keyFile = "\(certs)/client.key"
            let certClient = try MQTTClient(configuration: withCert)
            try await certClient.waitUntilConnected(timeout: .seconds(5))
            await certClient.shutdown()

            // A missing CA file is a clear configuration error.
            var missing = tlsConfig("tls-bad", "consumer", "c-secret")
            missing.tls = MQTTTLSConfiguration(caFile: "\(certs)/does-not-exist.crt")
            #expect(throws: MQTTError.self) { try MQTTClient(configuration: missing) }

            await watcher.stop()
            await producerClient.shutdown()
        } catch {
            print("broker log:\n\(broker.log)")
            await broker.stop()
            throw error
        }
        await broker.stop()
    }
}

@Suite("Consumer status reporter", .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)), .timeLimit(.minutes(3)))
struct StatusReporterTests {
    @Test func statusIsRetainedAndTheWillMarksOffline() async throws {
        try await MosquittoBroker.with { broker in
            let client = try MQTTClient(configuration: testConfiguration(broker, id: "consumer"))
            let reporter = try MQTTConsumerStatusReporter(client: client, namespace: "ns", group: "canary")
            let topic = reporter.topic
            let observer = try MQTTClient(configuration: testConfiguration(broker, id: "observer"))
            let statuses = observer.messages([topic])
            try await observer.waitUntilConnected(timeout: .seconds(5))
            try await client.waitUntilConnected(timeout: .seconds(5))

            reporter.refreshStarted(currentVersion: nil, requestedVersion: 7)
            reporter.refreshFailed(currentVersion: nil, requestedVersion: 7, error: TestFailure("no snapshot for 7"))
            reporter.refreshSuccessful(beforeVersion: nil, version: 6, requestedVersion: 6, duration: .milliseconds(25), isPinned: false)
            #expect(throws: MQTTError.self) { try client.setWill(MQTTMessage(topic: "x", payload: [])) }

            var iterator = statuses.makeAsyncIterator()
            var sawFailure = false
            var last: MQTTConsumerStatus?
            while let m = await iterator.next() {
                let s = try #require(try MQTTConsumerStatus.parse(m.payload))
                if s.lastError == "no snapshot for 7" { sawFailure = true }
                if s.version == 6 { last = s; break }
            }
            #expect(sawFailure)
            let status = try #require(last)
            #expect(status.consumerID == client.clientID && status.group == "canary" && status.online)
            #expect(status.lastError == nil && status.lastRefreshDurationMs == 25 && status.lastRefreshAt != nil)

            // The consumer vanishes: the broker publishes its last will.
            await client.shutdown(publishWill: true)
            while let m = await iterator.next() {
                let s = try #require(try MQTTConsumerStatus.parse(m.payload))
                if !s.online {
                    #expect(s.consumerID == client.clientID)
                    break
                }
            }
            // A fresh reader still sees it retained.
            let sub = try await broker.mosquittoSub(["-C", "1", "-W", "5", "-t", topic])
            #expect(sub.output.contains("\"online\":false"), "\(sub.output)")
            await observer.shutdown()
        }
    }
}
