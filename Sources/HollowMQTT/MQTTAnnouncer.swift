public import HollowCore
public import Logging
import Synchronization

/// Announces each new version on `PREFIX/NS/announced`, retained at QoS 1, and returns only once the broker
/// acknowledged it (Java: `HollowProducer.Announcer`).
///
/// If the broker does not acknowledge within `acknowledgementTimeout` (broker down, network cut) `announce`
/// throws and the producer fails the cycle; the next successful cycle announces its newer version.
/// With MQTT 5 a publish refused by the broker's ACL throws too (MQTT 3.1.1 cannot report refusals).
///
/// Self-healing: the announcer subscribes to its own topic. After every (re)connect (a broker restarted without
/// its retained messages, a failover to another node of a cluster) it waits for the retained value and, when
/// that is missing or older than the last version it announced, publishes its last announcement again.
public final class MQTTAnnouncer: Announcer {
    /// The topics of the namespace.
    public let topics: MQTTTopics
    /// The id written into each announcement (`producerId`).
    public let producerID: String
    /// How long to wait for the connection and the broker's PUBACK.
    public let acknowledgementTimeout: Duration
    private let client: MQTTClient
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// The last announcement the broker acknowledged, and its payload.
        var last: (version: Int64, payload: [UInt8])?
        /// The highest version seen on the topic since the last (re)connect.
        var seenSinceConnect: Int64?
    }

    /// The last version announced (acknowledged by the broker), or nil before the first.
    public var lastAnnouncedVersion: Int64? { state.withLock { $0.last?.version } }

    /// An announcer publishing through `client` (started on first use). `producerID` defaults to the client id.
    /// - Throws: `MQTTError` `.invalidTopic` for a bad namespace or prefix.
    public init(
        client: MQTTClient, namespace: String, prefix: String = MQTTTopics.defaultPrefix, producerID: String? = nil,
        acknowledgementTimeout: Duration = .seconds(5), logger: Logger = .hollowDisabled
    ) throws(MQTTError) {
        self.client = client
        self.topics = try MQTTTopics(namespace: namespace, prefix: prefix)
        self.producerID = producerID ?? client.clientID
        self.acknowledgementTimeout = acknowledgementTimeout
        self.logger = logger
        let topic = topics.announced
        client.subscribe([topic]) { [weak self] message in self?.observe(message) }
        client.onConnect { [weak self, weak client] in
            guard let self, let client else { return }
            state.withLock { $0.seenSinceConnect = nil }
            client.afterRetainedMessages { [weak self] in self?.reassertIfNeeded() }
        }
    }

    private func observe(_ message: MQTTMessage) {
        guard message.topic == topics.announced, let v = try? MQTTVersionPayload.parse(message.payload)?.version else { return }
        state.withLock { s in s.seenSinceConnect = max(s.seenSinceConnect ?? v, v) }
    }

    /// After a (re)connect's retained messages: publish the last announcement again if the broker lost it.
    private func reassertIfNeeded() {
        let payload: (Int64, [UInt8], Int64?)? = state.withLock { s in
            guard let last = s.last, (s.seenSinceConnect ?? -1) < last.version else { return nil }
            return (last.version, last.payload, s.seenSinceConnect)
        }
        guard let (version, bytes, seen) = payload else { return }
        do {
            try client.publishWithoutWaiting(topic: topics.announced, payload: bytes, qos: .atLeastOnce, retain: true)
            logger.info(
                "re-asserted the last announcement (the broker's retained value was missing or older)",
                metadata: ["hollow.version": "\(version)", "hollow.retained": "\(seen.map(String.init) ?? "none")"])
        } catch {
            logger.warning("cannot re-assert the last announcement", metadata: ["hollow.version": "\(version)", "error": "\(error)"])
        }
    }

    /// Publishes `{"version":N,"announcedAt":"...","producerId":"..."}` retained at QoS 1 and awaits the PUBACK.
    /// - Throws: `MQTTError` `.timeout` when not connected or not acknowledged within `acknowledgementTimeout`,
    ///   `.refused` when the broker refuses it (MQTT 5), `.connectionRefused` for bad credentials.
    public func announce(version: Int64) async throws {
        precondition(version >= 0, "versions are never negative")
        let start = ContinuousClock.now
        try await client.waitUntilConnected(timeout: acknowledgementTimeout)
        let remaining = acknowledgementTimeout - (ContinuousClock.now - start)
        let payload = MQTTVersionPayload.announcement(version: version, producerID: producerID)
        do {
            try await client.publish(
                topic: topics.announced, payload: payload, qos: .atLeastOnce, retain: true,
                timeout: max(remaining, .milliseconds(1)))
        } catch {
            logger.error(
                "announcement not acknowledged",
                metadata: ["hollow.version": "\(version)", "mqtt.topic": "\(topics.announced)", "error": "\(error)"])
            throw error
        }
        state.withLock { s in
            if (s.last?.version ?? -1) <= version { s.last = (version, payload) }
        }
        logger.debug("announced", metadata: ["hollow.version": "\(version)", "mqtt.topic": "\(topics.announced)"])
    }
}
