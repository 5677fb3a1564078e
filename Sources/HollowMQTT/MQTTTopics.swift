/// The topic contract of one namespace (see docs/topic-contract.md):
///
/// - `PREFIX/NS/announced`: the producer's announcement (retained, QoS 1)
/// - `PREFIX/NS/pin`: an operator's pin for the whole namespace (retained, QoS 1)
/// - `PREFIX/NS/pin/GROUP`: an operator's pin for consumers of group GROUP
/// - `PREFIX/NS/consumers/ID`: each consumer's status (retained), with an offline last will
/// - `PREFIX/NS/sources/SOURCE`: the data of one source for a central producer (not retained, QoS 1), e.g. one
///   kea-edge interval as JSON
///
/// Precedence for consumers: group pin, then namespace pin, then announced.
public struct MQTTTopics: Sendable, Hashable {
    /// The default topic prefix, `hollow`.
    public static let defaultPrefix = "hollow"

    /// The prefix, `hollow` unless configured (it may contain `/`, e.g. `site1/hollow`).
    public let prefix: String
    /// The blob namespace (one topic level).
    public let namespace: String

    /// The topics of `namespace` under `prefix`.
    /// - Throws: `MQTTError` `.invalidTopic` when either is empty or holds `+`, `#`, NUL (or `/` in the namespace).
    public init(namespace: String, prefix: String = MQTTTopics.defaultPrefix) throws(MQTTError) {
        try Self.validateLevel(namespace, what: "namespace")
        guard !prefix.isEmpty, !prefix.hasPrefix("/"), !prefix.hasSuffix("/") else {
            throw MQTTError(.invalidTopic, "topic prefix '\(prefix)' must be non-empty and not start or end with '/'")
        }
        for level in prefix.split(separator: "/", omittingEmptySubsequences: false) {
            try Self.validateLevel(String(level), what: "topic prefix level")
        }
        self.prefix = prefix
        self.namespace = namespace
    }

    /// `PREFIX/NS/announced`.
    public var announced: String { "\(prefix)/\(namespace)/announced" }
    /// `PREFIX/NS/pin`.
    public var pin: String { "\(prefix)/\(namespace)/pin" }
    /// `PREFIX/NS/pin/GROUP`.
    public func pin(group: String) throws(MQTTError) -> String {
        try Self.validateLevel(group, what: "group")
        return "\(prefix)/\(namespace)/pin/\(group)"
    }
    /// `PREFIX/NS/consumers/ID`.
    public func consumerStatus(id: String) throws(MQTTError) -> String {
        try Self.validateLevel(id, what: "consumer id")
        return "\(prefix)/\(namespace)/consumers/\(id)"
    }
    /// `PREFIX/NS/sources/SOURCE`: where source `SOURCE` sends its data to the namespace's central producer.
    public func source(_ name: String) throws(MQTTError) -> String {
        try Self.validateLevel(name, what: "source")
        return "\(prefix)/\(namespace)/sources/\(name)"
    }
    /// `PREFIX/NS/sources/+`: every source's data (what a central producer subscribes to).
    public var sources: String { "\(prefix)/\(namespace)/sources/+" }
    /// `PREFIX/NS/pin/+`: every group pin.
    public var groupPins: String { "\(prefix)/\(namespace)/pin/+" }
    /// `PREFIX/NS/consumers/+`: every consumer's status.
    public var consumers: String { "\(prefix)/\(namespace)/consumers/+" }
    /// `PREFIX/NS/#`: everything about the namespace.
    public var all: String { "\(prefix)/\(namespace)/#" }

    /// What a concrete topic of this namespace is, or nil when it is not part of the contract.
    public func classify(_ topic: String) -> Kind? {
        let base = "\(prefix)/\(namespace)/"
        guard topic.hasPrefix(base) else { return nil }
        let rest = topic.dropFirst(base.count).split(separator: "/", omittingEmptySubsequences: false)
        switch (rest.count, rest.first) {
        case (1, "announced"): return .announced
        case (1, "pin"): return .namespacePin
        case (2, "pin") where !rest[1].isEmpty: return .groupPin(String(rest[1]))
        case (2, "consumers") where !rest[1].isEmpty: return .consumerStatus(String(rest[1]))
        case (2, "sources") where !rest[1].isEmpty: return .source(String(rest[1]))
        default: return nil
        }
    }

    /// A topic of the contract.
    public enum Kind: Sendable, Hashable {
        case announced
        case namespacePin
        case groupPin(String)
        case consumerStatus(String)
        case source(String)
    }

    /// Checks that `value` can be one topic level: non-empty, no `/`, `+`, `#` or NUL, at most 256 bytes.
    public static func validateLevel(_ value: String, what: String) throws(MQTTError) {
        guard !value.isEmpty else { throw MQTTError(.invalidTopic, "\(what) must not be empty") }
        guard value.utf8.count <= 256 else { throw MQTTError(.invalidTopic, "\(what) is longer than 256 bytes") }
        if let bad = value.unicodeScalars.first(where: { $0 == "/" || $0 == "+" || $0 == "#" || $0 == "\0" }) {
            let shown = bad == "\0" ? "NUL" : "'\(bad)'"
            throw MQTTError(.invalidTopic, "\(what) '\(value)' must not contain \(shown)")
        }
    }
}
