#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HollowCore

/// A consumer's status as kept retained on `PREFIX/NS/consumers/ID` (JSON; see docs/topic-contract.md).
public struct MQTTConsumerStatus: Sendable, Hashable, Codable {
    public var consumerID: String
    public var namespace: String?
    public var group: String?
    /// False in the last will (the consumer vanished) and after a clean shutdown.
    public var online: Bool
    /// The version the consumer holds, nil before its first refresh.
    public var version: Int64?
    /// The version its last refresh aimed at.
    public var requestedVersion: Int64?
    /// Whether `version` came from a pin.
    public var pinned: Bool?
    /// When the last successful refresh completed (ISO 8601).
    public var lastRefreshAt: String?
    /// How long the last successful refresh took, in milliseconds.
    public var lastRefreshDurationMs: Double?
    /// Whether the held state was verified against the blob digests the producer recorded (false for a store
    /// written without digests, e.g. by Java Hollow); nil before the first refresh.
    public var verified: Bool?
    /// The error of the last refresh, nil once a refresh succeeded again.
    public var lastError: String?
    /// When this status was published (ISO 8601).
    public var updatedAt: String?

    enum CodingKeys: String, CodingKey {
        case consumerID = "consumerId", namespace, group, online, version, requestedVersion, pinned, lastRefreshAt,
            lastRefreshDurationMs, verified, lastError, updatedAt
    }

    public init(consumerID: String, namespace: String? = nil, group: String? = nil, online: Bool = true) {
        self.consumerID = consumerID
        self.namespace = namespace
        self.group = group
        self.online = online
    }

    /// The JSON payload: keys sorted, absent values left out (written with HollowCore's `JSONValue`, so its
    /// escaping is the project's one policy).
    public func jsonBytes() -> [UInt8] {
        var m: [String: JSONValue] = ["consumerId": .string(consumerID), "online": .bool(online)]
        if let namespace { m["namespace"] = .string(namespace) }
        if let group { m["group"] = .string(group) }
        if let version { m["version"] = .int(version) }
        if let requestedVersion { m["requestedVersion"] = .int(requestedVersion) }
        if let pinned { m["pinned"] = .bool(pinned) }
        if let lastRefreshAt { m["lastRefreshAt"] = .string(lastRefreshAt) }
        if let lastRefreshDurationMs { m["lastRefreshDurationMs"] = .double(lastRefreshDurationMs) }
        if let verified { m["verified"] = .bool(verified) }
        if let lastError { m["lastError"] = .string(lastError) }
        if let updatedAt { m["updatedAt"] = .string(updatedAt) }
        return Array(JSONValue(sortingKeys: m).serialized().utf8)
    }

    /// Parses a status payload; nil for an empty (cleared) one.
    /// - Throws: `MQTTError` `.invalidPayload` when it is not a status JSON object.
    public static func parse(_ bytes: [UInt8]) throws(MQTTError) -> MQTTConsumerStatus? {
        if bytes.isEmpty { return nil }
        do {
            return try JSONDecoder().decode(MQTTConsumerStatus.self, from: Data(bytes))
        } catch {
            throw MQTTError(.invalidPayload, "consumer status is not valid JSON: \(error)")
        }
    }
}
