import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowHTTP
import HollowMQTT
import HollowTestSupport
import HollowZstd
import Testing

@Suite("The blob index file")
struct StoreIndexTests {
    @Test func publisherKeepsTheIndexCurrentAndNoParserTakesItForABlob() async throws {
        let path = try makeTempDirectory(prefix: "hollow-index")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let publisher = try FilesystemPublisher(path: path, compressor: ZstdCompressor())
        try await publisher.publish(Blob(type: .snapshot, toVersion: 1, bytes: [1, 2, 3]))
        try await publisher.publish(Blob(type: .delta, fromVersion: 1, toVersion: 2, bytes: [4]))
        try await publisher.publish(Blob(type: .snapshot, toVersion: 2, bytes: [5, 6]))
        let plain = try FilesystemPublisher(path: path)
        try await plain.publish(Blob(type: .header, toVersion: 2, bytes: [7]))

        let index = try StoreIndex(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path + "/blobs.index"))))
        #expect(index.entries.map(\.name.fileName) == ["snapshot-1.zst", "delta-1-2.zst", "header-2", "snapshot-2.zst"])
        let onDisk = try StoreInventory.scan(path: path)
        for entry in index.entries {
            #expect(onDisk.snapshots.contains { $0.name == entry.name && $0.size == entry.size }
                || onDisk.deltas.contains { $0.name == entry.name && $0.size == entry.size }
                || onDisk.headers.contains { $0.name == entry.name && $0.size == entry.size })
        }
        // Our inventory knows the file (not "ignored"), and no blob parser reads it as a blob.
        #expect(onDisk.hasIndex && onDisk.ignored.isEmpty)
        #expect(BlobFileName.parse(StoreIndex.fileName) == nil)
        // Java's HollowFilesystemBlobRetriever matches by prefix: snapshot-, delta-<v>, reversedelta-<v>, header-.
        for prefix in ["snapshot-", "snapshot_", "delta-", "reversedelta-", "header-"] {
            #expect(!StoreIndex.fileName.hasPrefix(prefix))
        }

        // The cleaner drops deleted blobs from the index before deleting them.
        try await FilesystemAnnouncer(path: path).announce(version: 2)
        let report = try FilesystemBlobStorageCleaner(path: path, numberOfSnapshotsToKeep: 1).clean()
        #expect(report.deletedFiles.contains("snapshot-1.zst"))
        let after = try StoreIndex(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path + "/blobs.index"))))
        #expect(!after.entries.contains { $0.name.fileName == "snapshot-1.zst" })
    }

    @Test func badIndexFilesAreRefusedNamingTheLine() throws {
        #expect(throws: StoreIndex.ParseError.self) { try StoreIndex(parsing: Array("snapshot-1 3\n".utf8)) }
        do {
            _ = try StoreIndex(parsing: Array("hollow-blob-index 1\nsnapshot-1 3\nfoo 2\n".utf8))
            Issue.record("a bad line was accepted")
        } catch {
            #expect(error.line == 3 && error.description.contains("foo"))
        }
        // A truncated index (no final newline) is refused rather than read short.
        #expect(throws: StoreIndex.ParseError.self) { try StoreIndex(parsing: Array("hollow-blob-index 1\nsnapshot-1 3".utf8)) }
        let index = StoreIndex(entries: [
            .init(name: BlobFileName(type: .snapshot, toVersion: 5, compressionExtension: "zst"), size: 10),
            .init(name: BlobFileName(type: .delta, fromVersion: 4, toVersion: 5), size: 2),
        ])
        #expect(try StoreIndex(parsing: index.serialized()) == index)
    }
}

@Suite(
    "A store served by a real nginx",
    .enabled(if: NginxServer.isAvailable, Comment(rawValue: NginxServer.skipReason)), .timeLimit(.minutes(2)))
struct HTTPStoreTests {
    @Test(.enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)))
    func consumerFollowsMQTTAnnouncementsOverHTTP() async throws {
        try await MosquittoBroker.with { broker in
            let producerClient = try MQTTClient(configuration: testConfiguration(broker, id: "producer"))
            try producerClient.start()
            let announcer = try MQTTAnnouncer(client: producerClient, namespace: "readings")
            let store = try await ServedStore.start(announcer: announcer)
            let retriever = try store.retriever()
            let watcher = try MQTTAnnouncementWatcher(configuration: testConfiguration(broker, id: "consumer"), namespace: "readings")
            let outcomes = OutcomeRecorder()
            let consumer = HollowConsumer(blobRetriever: retriever, announcementWatcher: watcher, refreshListeners: [outcomes])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await consumer.run() }
                group.addTask { try await watcher.run() }
                let v1 = try await store.publish(cycle: 1)
                try await eventually("consumer at \(v1), has \(String(describing: consumer.currentVersion))") { consumer.currentVersion == v1 }
                let v2 = try await store.publish(cycle: 2)
                try await eventually("consumer at \(v2)") { consumer.currentVersion == v2 }
                let v3 = try await store.publish(cycle: 3)
                try await eventually("consumer at \(v3)") { consumer.currentVersion == v3 }
                #expect(try values(consumer.readState) == values(try await store.stateOnDisk(v3)))
                #expect(try values(consumer.readState)[2] == 2003)
                group.cancelAll()
            }
            // It went by snapshot, then deltas, all over HTTP.
            let log = store.nginx.accessLog
            #expect(log.contains("200") && log.contains("/snapshot-1.zst") && log.contains("/delta-1-2.zst") && log.contains("/delta-2-3.zst"))
            #expect(!log.contains("/snapshot-2") && !log.contains("/snapshot-3"))
            #expect(outcomes.failures.isEmpty)
            await watcher.stop()
            await producerClient.shutdown()
            await store.stop()
        }
    }

    // async-http-client itself retries a refused connection until its connect timeout (10 s), so the retriever's
    // first retry comes about 10 s after nginx went down.
    @Test func nginxStoppedDuringAFetchIsRetriedUntilItIsBack() async throws {
        let store = try await ServedStore.start()
        let retriever = try store.retriever(maxAttempts: 60)
        let consumer = HollowConsumer(blobRetriever: retriever)
        let v1 = try await store.publish(cycle: 1)
        #expect(try await consumer.triggerRefreshTo(v1) == v1)
        let v2 = try await store.publish(cycle: 2)

        await store.nginx.stop()
        let retriesBefore = retriever.retryCount
        let refresh = Task { try await consumer.triggerRefreshTo(v2) }
        try await eventually("the retriever retried (retries \(retriever.retryCount))") { retriever.retryCount >= retriesBefore + 1 }
        #expect(consumer.currentVersion == v1)
        try await store.nginx.start()
        #expect(try await refresh.value == v2)
        #expect(try values(consumer.readState) == values(try await store.stateOnDisk(v2)))
        await store.stop()
    }

    @Test func truncatedOrGarbledBlobsAreRefusedAndTheStateIsKept() async throws {
        let store = try await ServedStore.start()
        let consumer = HollowConsumer(blobRetriever: try store.retriever())
        let v1 = try await store.publish(cycle: 1)
        #expect(try await consumer.triggerRefreshTo(v1) == v1)
        let before = try values(consumer.readState)
        let v2 = try await store.publish(cycle: 2)
        let delta = "\(store.path)/delta-\(v1)-\(v2).zst"
        let original = try Data(contentsOf: URL(fileURLWithPath: delta))

        // Truncated: nginx serves a shorter file (a consistent Content-Length) than the index lists.
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: delta))
        do {
            _ = try await consumer.triggerRefreshTo(v2)
            Issue.record("a truncated delta was applied")
        } catch {
            let text = "\(error)"
            #expect(text.contains("delta-\(v1)-\(v2).zst") && text.contains("refused"))
        }
        #expect(consumer.currentVersion == v1)
        #expect(try values(consumer.readState) == before)

        // Garbled: the right size, wrong bytes.
        var garbled = original
        for i in stride(from: 8, to: garbled.count, by: 3) { garbled[i] ^= 0x5A }
        try garbled.write(to: URL(fileURLWithPath: delta))
        await #expect(throws: (any Error).self) { try await consumer.triggerRefreshTo(v2) }
        #expect(consumer.currentVersion == v1)
        #expect(try values(consumer.readState) == before)

        // Repaired: the same consumer now moves on.
        try original.write(to: URL(fileURLWithPath: delta))
        #expect(try await consumer.triggerRefreshTo(v2) == v2)
        await store.stop()
    }

    @Test func a404OfANeededDeltaSaysWhichBlobAndURL() async throws {
        let store = try await ServedStore.start()
        let retriever = try store.retriever()
        let consumer = HollowConsumer(blobRetriever: retriever)
        let v1 = try await store.publish(cycle: 1)
        #expect(try await consumer.triggerRefreshTo(v1) == v1)
        let v2 = try await store.publish(cycle: 2)  // no snapshot of v2: only the delta leads there
        try FileManager.default.removeItem(atPath: "\(store.path)/delta-\(v1)-\(v2).zst")
        do {
            _ = try await consumer.triggerRefreshTo(v2)
            Issue.record("a missing delta did not fail the refresh")
        } catch {
            let text = "\(error)"
            #expect(text.contains("delta-\(v1)-\(v2).zst") && text.contains("404") && text.contains(store.nginx.url))
        }
        #expect(consumer.currentVersion == v1)
        // A 404 is an answer, not an outage: it is not retried.
        #expect(retriever.retryCount == 0)
        await store.stop()
    }

    @Test func aStoreWithoutAnIndexAndABadURLGetClearErrors() async throws {
        let dir = try makeTempDirectory(prefix: "hollow-http-empty")
        let nginx = try await NginxServer.start(serving: dir)
        let retriever = try HTTPBlobRetriever(url: nginx.url + "/")
        do {
            _ = try await retriever.retrieveSnapshotBlob(desiredVersion: .max)
            Issue.record("no error without an index")
        } catch let error as HTTPBlobError {
            #expect(error.code == .missingIndex && error.message.contains("\(nginx.url)/blobs.index"))
        }
        #expect(try await retriever.announcedVersion() == nil)
        #expect(throws: HTTPBlobError.self) { try HTTPBlobRetriever(url: "ftp://example") }
        #expect(throws: HTTPBlobError.self) { try HTTPBlobRetriever(url: nginx.url, namespace: "../etc") }
        await nginx.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
