import ArgumentParser
import HollowFilesystem
import KeaEdge
import Logging

/// `--store DIR --namespace NS [--broker URL]`: where Hollow states are published.
struct StoreOptions: ParsableArguments {
    @Option(help: "Hollow store directory: states are published there as Hollow blobs + announced.version.")
    var store: String?

    @Option(help: "Hollow namespace (sub-directory) within the store.")
    var namespace: String = "kea-edge"

    @Option(help: "Deltas published between two snapshots.")
    var statesBetweenSnapshots: Int = 29

    @Option(help: "MQTT broker URL for announcements (mqtt://host:port); not wired in this build yet.")
    var broker: String?

    /// The Hollow sink for `--store`, or nil without a store.
    func sink(logger: Logger) async throws -> (any MetricsSink)? {
        guard let store else {
            if broker != nil { throw ValidationError("--broker needs --store (the blobs go to the store, the announcement to the broker)") }
            return nil
        }
        if broker != nil {
            logger.warning("--broker is not wired in this build yet (HollowMQTT is not on main): announcing in \(store)/\(namespace)/announced.version only")
        }
        return try await HollowProducerSink(
            publisher: try FilesystemPublisher(path: store, namespace: namespace),
            announcer: try FilesystemAnnouncer(path: store, namespace: namespace),
            numStatesBetweenSnapshots: max(0, statesBetweenSnapshots),
            logger: logger
        )
    }
}
