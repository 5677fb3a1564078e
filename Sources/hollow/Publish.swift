import ArgumentParser
import Foundation
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowProducer
import HollowZstd

#if canImport(Glibc)
import Glibc
#endif

/// `hollow publish`: publishes JSON records as the next state of a filesystem blob store, through
/// ``HollowProducer`` (integrity check, atomic NFS-safe writes, rollback on failure).
///
/// The first run writes `snapshot-<v>` and `header-<v>`; later runs restore the announced state from the store
/// and write `delta-<prev>-<v>`, `reversedelta-<v>-<prev>`, `header-<v>` and, when due, `snapshot-<v>`. Then it
/// announces `v` in `announced.version` and, with `--broker`, on `PREFIX/SEGMENT/announced` (SEGMENT: see
/// ``StoreOptions``). A data file with a bad
/// line writes nothing.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish records (JSON, one object per line) as the next state of a blob store.")

    @OptionGroup var location: StoreOptions

    @Option(help: "The schema file, in Hollow's text schema language.")
    var schema: String

    @Option(help: "The type of the records in the data file.")
    var type: String

    @Option(help: "The data file: one JSON object per line.")
    var data: String

    @Option(help: "The version to publish (default: the announced version + 1, or 1).")
    var version: Int64?

    @Option(help: "Blob compression: none or zstd (files get a .zst suffix).")
    var compress: String = "none"

    @Option(help: "Where the blobs are staged as files between writing and publishing (default: the store directory, as hidden temp files the cleaner knows).")
    var stagingDir: String?

    @Option(help: "Deltas published between two snapshots (0: a snapshot every version).")
    var numStatesBetweenSnapshots: Int = 0

    @Option(help: "Target bytes per type shard (Java producer default: 16 MiB).")
    var targetMaxTypeShardSize: Int = 16 << 20

    @Flag(help: "Unpin procedure: restore the version consumers are pinned to (the store's pin file) instead of the announced one, publish the data as a new version past every version in the store (even if it equals the pinned state), and report whether it is safe to unpin.")
    var restorePinned = false

    @Option(help: "Broker URL mqtt://[user:pass@]host:port or mqtts://...: also announce over MQTT.")
    var broker: String?
    @Option(help: "A file holding the broker password (first line). Default: $HOLLOW_MQTT_PASSWORD.") var passwordFile: String?
    @Option(help: "Broker user name when the URL has none. Default: $HOLLOW_MQTT_USERNAME.") var username: String?
    @Option(help: "PEM CA file for mqtts://.") var caFile: String?
    @Option(help: "MQTT topic prefix.") var prefix: String = MQTTTopics.defaultPrefix

    func validate() throws {
        guard ["none", "zstd"].contains(compress) else { throw ValidationError("--compress must be none or zstd, not '\(compress)'") }
        guard numStatesBetweenSnapshots >= 0 else { throw ValidationError("--num-states-between-snapshots must not be negative") }
    }

    func run() async throws {
        let schemas: [HollowSchema]
        do {
            schemas = try HollowSchemaParser.parseCollectionOfSchemas(try Self.readText(schema))
        } catch let e as HollowSchemaSyntaxError {
            throw PublishFailure("\(schema): \(e)")
        }
        let declared = Set(schemas.map(\.name))
        for s in schemas {
            for r in s.referencedTypes where !declared.contains(r) {
                throw PublishFailure("\(schema): type \(s.name) references \(r), which is not declared")
            }
        }
        guard declared.contains(type) else {
            throw PublishFailure("\(schema): no type named \(type) (types: \(schemas.map(\.name).joined(separator: ", ")))")
        }
        let text = try Self.readText(data)

        let store = try location.location  // created if missing: the first publish makes the store
        let publisher = try FilesystemPublisher(
            path: store.root, namespace: store.namespace, compressor: compress == "zstd" ? ZstdCompressor() : nil)
        let fsAnnouncer = try FilesystemAnnouncer(path: store.root, namespace: store.namespace)
        let announced: Int64?
        do { announced = try store.announcedVersion() } catch {
            throw PublishFailure("\(error)")
        }
        // The state the new version continues: the announced one, or with --restore-pinned the pinned one.
        var previous = announced
        var latest = announced
        if restorePinned {
            let pinned: Int64?
            do { pinned = try FilesystemPins(path: store.root, namespace: store.namespace).read() } catch {
                throw PublishFailure("cannot read the store's pin: \(error)")
            }
            guard let pinned else {
                throw PublishFailure("--restore-pinned: the store has no pin file (\(store.directory)/pin); pin the consumers first (hollow pin)")
            }
            previous = pinned
            let stored = (try? StoreInventory.scan(path: store.root, namespace: store.namespace))?.versions.last
            latest = [announced, stored].compactMap { $0 }.max()
        }
        let next = version ?? (latest.map { $0 + 1 } ?? 1)
        if let latest, next <= latest {
            throw PublishFailure(
                restorePinned ? "version \(next) is not after the latest version in the store (\(latest))"
                    : "version \(next) is not after the announced version \(latest)")
        }

        var mqttClient: MQTTClient?
        var announcers: [any Announcer] = [fsAnnouncer]
        if let broker {
            var args = ["--broker", broker, "--prefix", prefix]
            if let passwordFile { args += ["--password-file", passwordFile] }
            if let username { args += ["--username", username] }
            if let caFile { args += ["--ca-file", caFile] }
            let options = try MQTTBrokerOptions.parse(args)
            let client = try MQTTClient(configuration: try options.clientConfiguration(clientIDPrefix: "hollow-publish"))
            try client.start()
            try await client.waitUntilConnected(timeout: options.timeoutDuration)
            announcers.append(try MQTTAnnouncer(client: client, namespace: location.topicSegment, prefix: prefix))
            mqttClient = client
        }
        defer { if let mqttClient { Task { await mqttClient.shutdown() } } }

        let stager: FilesystemBlobStager
        do { stager = try FilesystemBlobStager(directory: stagingDir ?? publisher.directory) } catch {
            throw PublishFailure("cannot use the staging directory: \(error)")
        }
        let producer = HollowProducer(
            publisher: publisher, announcer: AnnouncerChain(announcers), versionMinter: CountingVersionMinter(start: next),
            numStatesBetweenSnapshots: numStatesBetweenSnapshots, targetMaxTypeShardSize: targetMaxTypeShardSize,
            blobStager: stager)
        try await producer.initializeDataModel(schemas: schemas)
        if let previous {
            do {
                let retriever = try store.retriever(decompressors: StoreOptions.decompressors)
                try await producer.restore(version: previous, retriever: retriever)
            } catch let error as HollowWriteError where error.code == .schemaConflict {
                throw PublishFailure("\(error.message); changing the schema of a published type is not supported by publish yet")
            } catch {
                throw PublishFailure("cannot restore version \(previous) from the store: \(error)")
            }
        }

        let type = self.type
        let dataPath = data
        let counter = RecordCounter()
        let published: Int64
        do {
            published = try await producer.runCycle(publishEvenIfUnchanged: restorePinned) { state in
                let adapter = try HollowJSONAdapter(engine: state.stateEngine, typeName: type)
                do {
                    counter.count = try adapter.addLines(text).count
                } catch let e as HollowJSONError {
                    throw PublishFailure("\(dataPath): \(e); nothing was published")
                }
            }
        } catch let failure as PublishFailure {
            throw failure
        } catch {
            throw PublishFailure("\(error); nothing was published")
        }
        if let previous, published == previous {
            print("no change since version \(previous): nothing published")
            if let mqttClient { await mqttClient.shutdown() }
            return
        }
        if let mqttClient { await mqttClient.shutdown() }
        let inventory = try? StoreInventory.scan(path: store.root, namespace: store.namespace)
        let files = inventory.map { $0.snapshots + $0.deltas + $0.reverseDeltas + $0.headers } ?? []
        let written = files.filter { $0.name.toVersion == published || $0.name.fromVersion == published }
            .map(\.fileName).sorted().joined(separator: ", ")
        print("published version \(published): \(counter.count) \(type) records; wrote \(written); announced \(published)"
            + (broker != nil ? " (announced.version and MQTT)" : ""))
        if restorePinned, let previous, let inventory {
            let assessment = inventory.unpinAssessment(pinnedVersion: previous)
            print(assessment.isSafe ? "safe to unpin: \(assessment.explanation)" : "not yet safe to unpin: \(assessment.explanation)")
        }
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PublishFailure("cannot read \(path): \(error)")
        }
    }

    static func readText(_ path: String) throws -> String {
        let bytes = try readBytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw PublishFailure("\(path) is not UTF-8 text") }
        return text
    }
}

/// A failure of `hollow publish`, printed as `Error: <message>` with exit status 1.
struct PublishFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Announces through each announcer in order (the durable `announced.version` first, then MQTT); the first
/// failure fails the announcement and so the cycle.
struct AnnouncerChain: Announcer {
    let announcers: [any Announcer]
    init(_ announcers: [any Announcer]) { self.announcers = announcers }
    func announce(version: Int64) async throws {
        for a in announcers { try await a.announce(version: version) }
    }
}

/// The record count from inside a cycle's populate closure.
final class RecordCounter: @unchecked Sendable {
    var count = 0
}
