#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import HollowCore
public import Logging
import Synchronization

/// Keeps a consumer's status retained on `PREFIX/NS/consumers/ID` (Java: a `HollowConsumer.RefreshListener`).
///
/// It sets a last will on the client, so the broker marks the consumer offline (`"online":false`) if it
/// vanishes; after every (re)connect it publishes the current status again. Publishes are QoS 1, retained,
/// and never block the consumer's refresh. Create it before the client starts (the will is part of CONNECT).
/// The consumer id is the client id: the production ACL lets a client write only `PREFIX/+/consumers/<client id>`.
public final class MQTTConsumerStatusReporter: RefreshListener {
    /// The status topic.
    public let topic: String
    private let client: MQTTClient
    private let status: Mutex<MQTTConsumerStatus>
    private let logger: Logger

    /// A reporter publishing through `client` (not started yet), as consumer `client.clientID`.
    /// - Throws: `MQTTError` `.invalidTopic` for a bad namespace/id, `.invalidConfiguration` if the client already started.
    public init(
        client: MQTTClient, namespace: String, group: String? = nil, prefix: String = MQTTTopics.defaultPrefix,
        logger: Logger = .hollowDisabled
    ) throws(MQTTError) {
        let topics = try MQTTTopics(namespace: namespace, prefix: prefix)
        let id = client.clientID
        self.topic = try topics.consumerStatus(id: id)
        self.client = client
        self.logger = logger
        self.status = Mutex(MQTTConsumerStatus(consumerID: id, namespace: namespace, group: group))
        var will = MQTTConsumerStatus(consumerID: id, namespace: namespace, group: group, online: false)
        will.lastError = "connection lost"
        try client.setWill(MQTTMessage(topic: topic, payload: will.jsonBytes(), qos: .atLeastOnce, retain: true))
        client.onConnect { [weak self] in self?.publishCurrent() }
    }

    /// The status as last published (or about to be).
    public var currentStatus: MQTTConsumerStatus { status.withLock { $0 } }

    public func refreshStarted(currentVersion: Int64?, requestedVersion: Int64) {
        update { $0.requestedVersion = requestedVersion }
    }

    public func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        update { s in
            s.version = version
            s.requestedVersion = requestedVersion
            s.pinned = isPinned
            s.lastRefreshAt = iso8601(Date())
            let c = duration.components
            s.lastRefreshDurationMs = (Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15 * 1000).rounded() / 1000
            s.lastError = nil
        }
    }

    public func stateVerification(version: Int64, _ verification: BlobVerification) {
        status.withLock { $0.verified = verification == .verified }  // published with refreshSuccessful next
    }

    public func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        update { s in
            s.version = currentVersion
            s.requestedVersion = requestedVersion
            s.lastError = "\(error)"
        }
    }

    /// Publishes the final status: offline with the last version (or, with `clear`, removes the retained status),
    /// waiting up to `timeout` for the broker's ack. Call before shutting the client down.
    public func shutdown(clear: Bool = false, timeout: Duration = .seconds(2)) async {
        let payload: [UInt8] = status.withLock { s in
            s.online = false
            s.updatedAt = iso8601(Date())
            return clear ? [] : s.jsonBytes()
        }
        do {
            try await client.publish(topic: topic, payload: payload, qos: .atLeastOnce, retain: true, timeout: timeout)
        } catch {
            logger.info("could not publish the final consumer status", metadata: ["mqtt.topic": "\(topic)", "error": "\(error)"])
        }
    }

    private func update(_ change: (inout MQTTConsumerStatus) -> Void) {
        status.withLock { s in
            change(&s)
            s.online = true
        }
        publishCurrent()
    }

    private func publishCurrent() {
        // Publish under the lock so concurrent updates reach the broker in the order they were made.
        let error = status.withLock { s -> MQTTError? in
            s.updatedAt = iso8601(Date())
            do throws(MQTTError) {
                try client.publishWithoutWaiting(topic: topic, payload: s.jsonBytes(), qos: .atLeastOnce, retain: true)
                return nil
            } catch {
                return error
            }
        }
        if let error {
            // Not connected: the status is published again after the next connect.
            logger.debug("consumer status not published now", metadata: ["mqtt.topic": "\(topic)", "error": "\(error)"])
        }
    }
}
