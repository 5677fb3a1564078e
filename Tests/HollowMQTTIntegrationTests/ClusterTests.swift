import Foundation
import HollowCore
import HollowMQTT
import HollowTestSupport
import Synchronization
import Testing

/// A client configuration for several brokers, tried in the order given (MQTT 5, 1 s reconnect delay).
func failoverConfiguration(_ endpoints: [(host: String, port: Int)], id: String) -> MQTTClientConfiguration {
    var c = MQTTClientConfiguration(host: endpoints[0].host, port: endpoints[0].port, clientID: uniqueID(id))
    c.failoverEndpoints = endpoints.dropFirst().map { MQTTEndpoint(host: $0.host, port: $0.port) }
    c.reconnectDelayMin = 1
    c.reconnectDelayMax = 1
    c.keepAliveSeconds = 10
    c.connectTimeout = .seconds(3)
    return c
}

/// A started watcher on several brokers, with a recording consumer.
func startWatcher(
    endpoints: [(host: String, port: Int)], namespace: String, id: String, protocolVersion: MQTTProtocolVersion = .v5,
    qos: MQTTQoS = .atLeastOnce
) async throws -> (MQTTAnnouncementWatcher, RecordingTrigger) {
    var config = failoverConfiguration(endpoints, id: id)
    config.protocolVersion = protocolVersion
    let watcher = try MQTTAnnouncementWatcher(configuration: config, namespace: namespace)
    watcher.subscriptionQoS = qos
    let trigger = RecordingTrigger(watcher: watcher)
    watcher.subscribeToUpdates(trigger)
    try watcher.start()
    try await watcher.client.waitUntilConnected(timeout: .seconds(30))
    return (watcher, trigger)
}

/// Announces `version`, retrying while a failover is under way (bounded: `attempts` tries).
func announceRetrying(_ announcer: MQTTAnnouncer, _ version: Int64, attempts: Int = 30) async throws {
    var lastError: (any Error)?
    for _ in 0..<attempts {
        do {
            try await announcer.announce(version: version)
            return
        } catch {
            lastError = error
            try await Task.sleep(for: .milliseconds(200))
        }
    }
    throw TestFailure("announce(\(version)) failed \(attempts) times: \(String(describing: lastError))")
}

@Suite(
    "Failover between brokers", .enabled(if: MosquittoBroker.isAvailable && MosquittoBroker.external == nil),
    .timeLimit(.minutes(3)))
struct FailoverTests {
    @Test func clientFailsOverAndBackAndReannounces() async throws {
        let a = try await MosquittoBroker.start()
        let b = try await MosquittoBroker.start()
        do {
            let endpoints = [(a.host, a.port), (b.host, b.port)]
            let (watcher, trigger) = try await startWatcher(endpoints: endpoints, namespace: "ns", id: "fo-watch")
            let producer = try MQTTClient(configuration: failoverConfiguration(endpoints, id: "fo-producer"))
            let announcer = try MQTTAnnouncer(client: producer, namespace: "ns", acknowledgementTimeout: .seconds(3))
            try await announcer.announce(version: 1)
            try await trigger.waitFor(1)
            #expect(watcher.client.connectedEndpoint?.port == a.port)

            await a.kill()
            try await eventually("both clients on broker b") {
                watcher.client.connectedEndpoint?.port == b.port && producer.connectedEndpoint?.port == b.port
            }
            // b never saw version 1: the announcer re-asserted it there.
            #expect(try await retainedVersion(b, topic: "hollow/ns/announced", equals: 1) == 1)
            try await announceRetrying(announcer, 2)
            try await trigger.waitFor(2)

            try await a.restart()  // empty
            await b.kill()
            try await eventually("both clients back on broker a") {
                watcher.client.connectedEndpoint?.port == a.port && producer.connectedEndpoint?.port == a.port
            }
            #expect(try await retainedVersion(a, topic: "hollow/ns/announced", equals: 2) == 2)
            try await announceRetrying(announcer, 3)
            try await trigger.waitFor(3)
            #expect(trigger.seen == [1, 2, 3])
            await watcher.stop()
            await producer.shutdown()
        } catch {
            print("broker a log:\n\(a.log)\nbroker b log:\n\(b.log)")
            await a.stop()
            await b.stop()
            throw error
        }
        await a.stop()
        await b.stop()
    }

    @Test func brokerURLListsParse() throws {
        let urls = try MQTTBrokerURL.parseList(["mqtt://a:1883, mqtt://b:1884", "mqtt://c"])
        #expect(urls.map(\.host) == ["a", "b", "c"] && urls.map(\.port) == [1883, 1884, 1883])
        let config = try MQTTClientConfiguration(urls: urls, clientID: "x")
        #expect(config.endpoints.map(\.description) == ["a:1883", "b:1884", "c:1883"])
        #expect(throws: MQTTError.self) { try MQTTBrokerURL.parseList([" , "]) }
        #expect(throws: MQTTError.self) {
            try MQTTClientConfiguration(urls: MQTTBrokerURL.parseList(["mqtt://a,mqtts://b"]), clientID: "x")
        }
        #expect(throws: MQTTError.self) {
            try MQTTClientConfiguration(urls: MQTTBrokerURL.parseList(["mqtt://u:p@a,mqtt://v:q@b"]), clientID: "x")
        }
    }
}

@Suite(
    "Bridged mosquitto brokers (edge bridged to central)",
    .enabled(if: MosquittoBroker.isAvailable && MosquittoBroker.external == nil), .timeLimit(.minutes(3)))
struct BridgeTests {
    @Test func announcementsAndPinsCrossTheBridgeAndACutHeals() async throws {
        let central = try await MosquittoBroker.start(options: .init(persistence: true))
        let bridge = """
            connection edge-to-central
            address 127.0.0.1:\(central.port)
            topic hollow/# both 1
            cleansession false
            restart_timeout 1
            notifications false
            """
        let edge = try await MosquittoBroker.start(options: .init(persistence: true, extraConfig: bridge))
        do {
            let (centralWatcher, centralTrigger) = try await startWatcher(central, namespace: "ns", id: "central")
            let (edgeWatcher, edgeTrigger) = try await startWatcher(edge, namespace: "ns", id: "edge")
            let (announcer, producer) = try makeAnnouncer(edge, namespace: "ns")  // the producer is on the edge

            try await announceRetrying(announcer, 1)  // the first may race the bridge's connection
            try await centralTrigger.waitFor(1)
            try await edgeTrigger.waitFor(1)
            try await announcer.announce(version: 2)
            try await centralTrigger.waitFor(2)
            try await central.mosquittoPub(["-r", "-q", "1", "-t", "hollow/ns/pin", "-m", "1"])
            try await edgeTrigger.waitFor(1)
            #expect(edgeWatcher.isPinned)

            // Cut: the central broker goes away for a few seconds (state saved); the edge keeps working.
            await central.halt()
            try await announcer.announce(version: 3)
            #expect(edgeWatcher.announcedVersion == nil || edgeWatcher.latestVersion == 1)
            try await Task.sleep(for: .seconds(3))
            try await central.restart()
            // Healed: the announcement made during the cut reaches the central side; the pin is still there.
            try await eventually("central consumer knows announcement 3") { centralWatcher.announcedVersion == 3 }
            #expect(try await retainedVersion(central, topic: "hollow/ns/announced", equals: 3) == 3)
            #expect(centralWatcher.isPinned && centralWatcher.latestVersion == 1)
            let (lateCentral, lateTrigger) = try await startWatcher(central, namespace: "ns", id: "late-central")
            try await lateTrigger.waitFor(1)
            #expect(lateCentral.announcedVersion == 3)

            // An unpin on the central reaches the edge.
            try await central.mosquittoPub(["-r", "-n", "-t", "hollow/ns/pin"])
            try await edgeTrigger.waitFor(3)
            try await centralTrigger.waitFor(3)
            for w in [centralWatcher, edgeWatcher, lateCentral] { await w.stop() }
            await producer.shutdown()
        } catch {
            print("central log:\n\(central.log)\nedge log:\n\(edge.log)")
            await edge.stop()
            await central.stop()
            throw error
        }
        await edge.stop()
        await central.stop()
    }
}

@Suite(
    "Three-node NATS cluster with MQTT and JetStream",
    .enabled(if: NATSCluster.isAvailable, Comment(rawValue: NATSCluster.skipReason)),
    .timeLimit(.minutes(3)))
struct NATSClusterTests {
    @Test func consumersKeepServingAndTheProducerFailsOverWhenANodeDies() async throws {
        let cluster = try await NATSCluster.start(nodes: 3)
        do {
            let node = cluster.mqttPorts.map { (host: "127.0.0.1", port: $0) }
            // Producer on node 1 (failing over to 2 and 3), consumers on nodes 2 and 3. NATS speaks MQTT 3.1.1:
            // the producer asks for MQTT 5 and falls back by itself; the consumers ask for 3.1.1. The consumers
            // subscribe at QoS 0: on NATS a QoS 1 subscription is a JetStream consumer that can live on the node
            // that dies (deliveries then stop on a connection that stays up); a QoS 0 one is a plain NATS
            // subscription routed by any node, and retained values still arrive on every (re)subscribe.
            let producer = try MQTTClient(configuration: failoverConfiguration([node[0], node[1], node[2]], id: "nats-producer"))
            let announcer = try MQTTAnnouncer(client: producer, namespace: "ns", acknowledgementTimeout: .seconds(5))
            try await announceRetrying(announcer, 1)
            let (w2, t2) = try await startWatcher(endpoints: [node[1], node[2]], namespace: "ns", id: "nats-c2", protocolVersion: .v311, qos: .atMostOnce)
            let (w3, t3) = try await startWatcher(endpoints: [node[2], node[1]], namespace: "ns", id: "nats-c3", protocolVersion: .v311, qos: .atMostOnce)
            try await t2.waitFor(1, timeout: .seconds(30))
            try await t3.waitFor(1, timeout: .seconds(30))
            try await announceRetrying(announcer, 2)
            try await t2.waitFor(2, timeout: .seconds(30))
            try await t3.waitFor(2, timeout: .seconds(30))
            #expect(producer.connectedEndpoint?.port == node[0].port)

            // Node 1 dies.
            await cluster.kill(node: 0)
            let killed = ContinuousClock.now
            #expect(w2.latestVersion == 2 && w3.latestVersion == 2, "consumers keep serving their version")
            // A pin still arrives (published on node 3 as soon as JetStream accepts it again).
            var pinned = false
            for _ in 0..<60 where !pinned {
                let r = try await MosquittoBroker.runTool(
                    "mosquitto_pub", ["-h", "127.0.0.1", "-p", String(node[2].port), "-r", "-q", "1", "-t", "hollow/ns/pin", "-m", "1"])
                pinned = r.exitCode == 0
                if !pinned { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(pinned)
            try await t2.waitFor(1, timeout: .seconds(30))
            try await t3.waitFor(1, timeout: .seconds(30))
            let pinLatency = ContinuousClock.now - killed
            // The producer fails over; its next announcement reaches everyone.
            try await announceRetrying(announcer, 3, attempts: 60)
            try await eventually("both consumers know announcement 3", timeout: .seconds(30)) {
                w2.announcedVersion == 3 && w3.announcedVersion == 3
            }
            let announceLatency = ContinuousClock.now - killed
            #expect(producer.connectedEndpoint.map { $0.port != node[0].port } ?? false)
            print("nats: node loss to pin at both consumers \(pinLatency), to the failed-over producer's announcement at both \(announceLatency)")
            await w2.stop()
            await w3.stop()
            await producer.shutdown()
        } catch {
            print("nats logs:\n\(cluster.logs)")
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
