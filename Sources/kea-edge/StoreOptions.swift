import ArgumentParser
import HollowCore
import HollowFilesystem
import HollowMQTT
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

    @Option(help: "MQTT broker URL (mqtt://[user:pass@]host:port or mqtts://): also announce each version on PREFIX/NS/announced.")
    var broker: String?

    @Option(help: "MQTT topic prefix.")
    var topicPrefix: String = MQTTTopics.defaultPrefix

    /// The Hollow sink for `--store` (continuing the announced version's chain) and the states of that
    /// version, or nil without a store.
    func sink(logger: Logger) async throws -> (sink: any MetricsSink, restored: [MetricsState])? {
        guard let store else {
            if broker != nil { throw ValidationError("--broker needs --store (the blobs go to the store, the announcement to the broker)") }
            return nil
        }
        var announcer: any Announcer = try FilesystemAnnouncer(path: store, namespace: namespace)
        if let broker {
            let url: MQTTBrokerURL
            do { url = try MQTTBrokerURL(parsing: broker) } catch { throw ValidationError("bad --broker: \(error)") }
            var config = MQTTClientConfiguration(url: url, clientID: "kea-edge-\(SystemSupport.hostName())-\(UInt32.random(in: 0...UInt32.max))")
            config.reconnectDelayMax = 5
            let client: MQTTClient
            do { client = try MQTTClient(configuration: config, logger: logger) } catch { throw ValidationError("--broker: \(error)") }
            let mqtt: MQTTAnnouncer
            do { mqtt = try MQTTAnnouncer(client: client, namespace: namespace, prefix: topicPrefix, logger: logger) } catch {
                throw ValidationError("--namespace/--topic-prefix: \(error)")
            }
            announcer = StoreThenBrokerAnnouncer(store: announcer, broker: mqtt, logger: logger)
        }
        let sink = try await HollowProducerSink(
            publisher: try FilesystemPublisher(path: store, namespace: namespace),
            announcer: announcer,
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

/// Announces in the store (`announced.version`, failures fail the cycle) and then on the broker. A broker that
/// is down does not fail the cycle: the store stays consistent, the error is logged, and the next cycle's
/// retained announcement carries the newer version.
struct StoreThenBrokerAnnouncer: Announcer {
    let store: any Announcer
    let broker: MQTTAnnouncer
    let logger: Logger

    func announce(version: Int64) async throws {
        try await store.announce(version: version)
        do {
            try await broker.announce(version: version)
        } catch {
            logger.error("version \(version) announced in the store but not on the broker: \(error) (the next cycle announces again)")
        }
    }
}
