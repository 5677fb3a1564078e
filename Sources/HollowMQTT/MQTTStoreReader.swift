/// What the durable store says about a namespace: the announced version (`announced.version`) and the pins
/// (`pin`, `pin-GROUP`) that `hollow pin` writes besides the retained MQTT pins. nil means "none there".
public struct MQTTStoreSnapshot: Sendable, Hashable {
    /// The store's announced version.
    public var announcedVersion: Int64?
    /// The store's namespace pin.
    public var namespacePin: Int64?
    /// The store's pin of the watcher's group (ignored by a watcher without a group).
    public var groupPin: Int64?

    public init(announcedVersion: Int64? = nil, namespacePin: Int64? = nil, groupPin: Int64? = nil) {
        self.announcedVersion = announcedVersion
        self.namespacePin = namespacePin
        self.groupPin = groupPin
    }
}

/// Reads a namespace's durable state for an `MQTTAnnouncementWatcher`, which uses it as its starting point, as
/// a floor for the announced version, and to settle pins the broker did not redeliver.
///
/// HollowMQTT knows no store: the executable wires the reader to one (e.g. HollowFilesystem's
/// `FilesystemAnnouncer.readAnnouncedVersion` and `FilesystemPins.read`). `read` is called when the watcher is
/// created, on the MQTT network thread after each reconnect and after each pin message, and from `run()` while
/// disconnected: it must be quick (a few small file reads).
public struct MQTTStoreReader: Sendable {
    /// Reads the store now. - Throws: whatever the store throws; the watcher then keeps its state.
    public let read: @Sendable () throws -> MQTTStoreSnapshot

    public init(_ read: @escaping @Sendable () throws -> MQTTStoreSnapshot) {
        self.read = read
    }
}
