public import HollowCore
public import Logging

/// Announces each new version on `PREFIX/NS/announced`, retained at QoS 1, and returns only once the broker
/// acknowledged it (Java: `HollowProducer.Announcer`).
///
/// If the broker does not acknowledge within `acknowledgementTimeout` (broker down, network cut) `announce`
/// throws and the producer fails the cycle; the next successful cycle announces its newer version.
/// With MQTT 5 a publish refused by the broker's ACL throws too (MQTT 3.1.1 cannot report refusals).
public final class MQTTAnnouncer: Announcer {
    /// The topics of the namespace.
    public let topics: MQTTTopics
    /// The id written into each announcement (`producerId`).
    public let producerID: String
    /// How long to wait for the connection and the broker's PUBACK.
    public let acknowledgementTimeout: Duration
    private let client: MQTTClient
    private let logger: Logger

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
        logger.debug("announced", metadata: ["hollow.version": "\(version)", "mqtt.topic": "\(topics.announced)"])
    }
}
