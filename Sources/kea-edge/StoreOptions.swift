import ArgumentParser
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowProducer
import HollowZstd
import KeaEdge
import Logging

/// `--store ROOT [--namespace NS] [--topic-namespace NAME]`: where Hollow states live, named as by every `hollow`
/// command: the store root, plus an optional namespace sub-directory (absent: the store root, Java's layout).
/// The MQTT topic segment is `--topic-namespace`, else the namespace, else `default`.
struct StoreLocationOptions: ParsableArguments {
    @Option(help: "Hollow store root directory: states are published there as Hollow blobs + announced.version.")
    var store: String?

    @Option(help: "A namespace: the sub-directory of the store holding the states (default: the store root).")
    var namespace: String?

    @Option(help: "The MQTT topic segment (PREFIX/SEGMENT/announced). Default: the namespace, or 'default' without one.")
    var topicNamespace: String?

    func validate() throws {
        if let store {
            do { _ = try FilesystemStoreLocation(path: store, namespace: namespace) } catch {
                throw ValidationError(error.message)
            }
        } else if namespace != nil || topicNamespace != nil {
            throw ValidationError("--namespace and --topic-namespace need --store")
        }
    }

    /// The store location, nil without `--store`.
    var location: FilesystemStoreLocation? {
        get throws { try store.map { try FilesystemStoreLocation(path: $0, namespace: namespace) } }
    }

    /// The MQTT topic segment.
    var topicSegment: String { MQTTTopics.topicNamespace(storeNamespace: namespace, override: topicNamespace) }

    /// Blobs are read plain or zstd-compressed (`.zst`, e.g. compressed afterwards with the `zstd` tool).
    static let decompressors: [any BlobCompressor] = [ZstdCompressor()]
}

/// `--store DIR [--namespace NS] [--broker URL]`: where Hollow states are published.
struct StoreOptions: ParsableArguments {
    @OptionGroup var location: StoreLocationOptions

    @Option(help: "Deltas published between two snapshots.")
    var statesBetweenSnapshots: Int = 29

    @Option(help: "After each cycle, delete old blobs: keep the newest N snapshots and the deltas still reachable from them (the store's cleaner, as `hollow store --clean --keep N`). Default: keep everything.")
    var keep: Int?

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1, not \(keep)") }
        if keep != nil && location.store == nil { throw ValidationError("--keep needs --store") }
    }

    @Option(help: "MQTT broker URL (mqtt://[user:pass@]host:port or mqtts://): also announce each version on PREFIX/SEGMENT/announced.")
    var broker: String?

    @Option(help: "MQTT topic prefix.")
    var topicPrefix: String = MQTTTopics.defaultPrefix

    /// The store directory, nil without `--store`.
    var store: String? { location.store }

    /// The Hollow sink for `--store` (continuing the announced version's chain) and the states of that
    /// version, or nil without a store.
    func sink(logger: Logger) async throws -> (sink: any MetricsSink, restored: [MetricsState])? {
        guard let store = try location.location else {
            if broker != nil { throw ValidationError("--broker needs --store (the blobs go to the store, the announcement to the broker)") }
            return nil
        }
        var announcer: any Announcer = try FilesystemAnnouncer(path: store.root, namespace: store.namespace)
        if let broker {
            let url: MQTTBrokerURL
            do { url = try MQTTBrokerURL(parsing: broker) } catch { throw ValidationError("bad --broker: \(error)") }
            var config = MQTTClientConfiguration(url: url, clientID: "kea-edge-\(SystemSupport.hostName())-\(UInt32.random(in: 0...UInt32.max))")
            config.reconnectDelayMax = 5
            let client: MQTTClient
            do { client = try MQTTClient(configuration: config, logger: logger) } catch { throw ValidationError("--broker: \(error)") }
            let mqtt: MQTTAnnouncer
            do { mqtt = try MQTTAnnouncer(client: client, namespace: location.topicSegment, prefix: topicPrefix, logger: logger) } catch {
                throw ValidationError("--topic-namespace/--topic-prefix: \(error)")
            }
            announcer = StoreThenBrokerAnnouncer(store: announcer, broker: mqtt, logger: logger)
        }
        var listeners: [any ProducerListener] = []
        if let keep {
            let cleaner = try FilesystemBlobStorageCleaner(path: store.root, namespace: store.namespace, numberOfSnapshotsToKeep: keep)
            listeners.append(StoreCleaningListener(cleaner: cleaner, logger: logger))
        }
        let sink = try await HollowProducerSink(
            publisher: try FilesystemPublisher(path: store.root, namespace: store.namespace),
            announcer: announcer,
            numStatesBetweenSnapshots: max(0, statesBetweenSnapshots),
            listeners: listeners,
            logger: logger
        )
        var restored: [MetricsState] = []
        if let version = try store.announcedVersion() {
            restored = try await sink.restore(
                version: version, retriever: try store.retriever(decompressors: StoreLocationOptions.decompressors))
            logger.info("continuing the store's chain from version \(version) (\(restored.count) states in its window)")
        }
        return (sink, restored)
    }
}

/// Reads the states of the announced version of a store (for `plot --store`).
func announcedStates(_ store: FilesystemStoreLocation) async throws -> [MetricsState] {
    do { try store.requireExisting() } catch { throw ValidationError(error.message) }
    guard let version = try store.announcedVersion() else {
        throw ValidationError("\(store.directory): nothing announced (no announced.version)")
    }
    let retriever = try store.retriever(decompressors: StoreLocationOptions.decompressors)
    return try MetricsState.all(in: try await ReadState.load(version: version, from: retriever))
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

/// `--keep N`: runs the store's cleaner (``FilesystemBlobStorageCleaner``) after every announced cycle. A failing
/// clean is logged and never fails the cycle (the blobs stay until the next clean).
struct StoreCleaningListener: ProducerListener {
    let cleaner: FilesystemBlobStorageCleaner
    let logger: Logger

    func announcementCompleted(version: Int64) {
        do {
            let report = try cleaner.clean()
            if !report.deletedFiles.isEmpty {
                logger.debug("cleaned the store", metadata: ["hollow.version": "\(version)", "files.deleted": "\(report.deletedFiles.count)"])
            }
        } catch {
            logger.error("could not clean old blobs from \(cleaner.directory): \(error) (retried after the next cycle)")
        }
    }
}
