import HollowFilesystem
import HollowMQTT

extension Watch {
    /// The store as an MQTT watcher sees it: `announced.version` and the pin files of the namespace (and of
    /// `group`). The watcher starts from it, keeps the announced version at or above it, and settles pins the
    /// broker did not redeliver from it (docs/topic-contract.md, "Faults and precedence").
    static func storeReader(store: String, namespace: String?, group: String?) throws -> MQTTStoreReader {
        let pins = try FilesystemPins(path: store, namespace: namespace)
        if let group { _ = try FilesystemPins.fileName(group: group) }  // a bad group fails now, not on every read
        return MQTTStoreReader {
            MQTTStoreSnapshot(
                announcedVersion: try FilesystemAnnouncer.readAnnouncedVersion(path: store, namespace: namespace),
                namespacePin: try pins.read(),
                groupPin: try group.flatMap { try pins.read(group: $0) })
        }
    }
}
