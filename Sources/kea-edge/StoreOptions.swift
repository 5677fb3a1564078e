import ArgumentParser
import HollowCore
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

    /// The Hollow sink for `--store` (continuing the announced version's chain) and the states of that
    /// version, or nil without a store.
    func sink(logger: Logger) async throws -> (sink: any MetricsSink, restored: [MetricsState])? {
        guard let store else {
            if broker != nil { throw ValidationError("--broker needs --store (the blobs go to the store, the announcement to the broker)") }
            return nil
        }
        if broker != nil {
            logger.warning("--broker is not wired in this build yet (HollowMQTT is not on main): announcing in \(store)/\(namespace)/announced.version only")
        }
        let sink = try await HollowProducerSink(
            publisher: try FilesystemPublisher(path: store, namespace: namespace),
            announcer: try FilesystemAnnouncer(path: store, namespace: namespace),
            numStatesBetweenSnapshots: max(0, statesBetweenSnapshots),
            logger: logger
        )
        var restored: [MetricsState] = []
        if let version = try FilesystemAnnouncer.readAnnouncedVersion(path: store, namespace: namespace) {
            restored = try await sink.restore(version: version, retriever: try FilesystemBlobRetriever(path: store, namespace: namespace))
            logger.info("continuing the store's chain from version \(version) (\(restored.count) states in its window)")
        }
        return (sink, restored)
    }
}

/// Reads the states of the announced version of a store (for `plot --store`).
func announcedStates(store: String, namespace: String) async throws -> [MetricsState] {
    guard let version = try FilesystemAnnouncer.readAnnouncedVersion(path: store, namespace: namespace) else {
        throw ValidationError("\(store)/\(namespace): nothing announced (no announced.version)")
    }
    let retriever = try FilesystemBlobRetriever(path: store, namespace: namespace)
    let plan = try await UpdatePlanner(retriever: retriever).snapshotPlan(to: version)
    guard let snapshot = plan.snapshot else { throw ValidationError("\(store)/\(namespace): no snapshot leads to version \(version)") }
    var state = try ReadState.load(snapshot: try await snapshot.bytes())
    for delta in plan.transitions { state = try state.applying(delta: try await delta.bytes()) }
    return try MetricsState.all(in: state)
}
