import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import Synchronization
import Testing

/// The consumer's local blob store (`CachingBlobRetriever`, Java: `withLocalBlobStore`) over copies of the Java
/// fixture stores.
@Suite("Local blob store")
struct LocalBlobStoreTests {
    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "hollow-local-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func names(_ dir: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: dir))
    }

    @Test("keeps what it loads, reads it back when the store is gone, and a new consumer reaches the last version")
    func survivesTheStoreDisappearing() async throws {
        let store = try JavaStores.copy("metrics")
        let localDir = try Self.tempDir()
        defer {
            try? FileManager.default.removeItem(atPath: store)
            try? FileManager.default.removeItem(atPath: localDir)
        }
        let local = try FilesystemBlobRetriever(path: store).withLocalBlobStore(localDir)
        let consumer = HollowConsumer(blobRetriever: local)
        for version in Int64(1)...3 { try await consumer.triggerRefreshTo(version) }
        #expect(try Self.names(localDir) == ["snapshot-1", "delta-1-2", "delta-2-3"])
        #expect(try await local.newestLocalVersion() == 3)

        try FileManager.default.removeItem(atPath: store)
        let restarted = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: store).withLocalBlobStore(localDir))
        try await restarted.triggerRefreshTo(3)
        #expect(try #require(restarted.readState).canonicalJSON() == (try JavaStores.expected("metrics", 3)))
        // Without an announcement, the newest version the local copies reach.
        let latest = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: store).withLocalBlobStore(localDir))
        #expect(try await latest.triggerRefresh() == 3)
    }

    @Test("a local copy is preferred to the shared store's, and a failing store falls back to the local copies")
    func prefersLocalCopies() async throws {
        let localDir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: localDir) }
        let upstream = CountingRetriever(try FilesystemBlobRetriever(path: JavaStores.path("kitchensink")))
        let local = try upstream.withLocalBlobStore(localDir)
        let first = HollowConsumer(blobRetriever: local)
        try await first.triggerRefreshTo(2)
        #expect(upstream.byteReads == 1)  // snapshot-2

        let second = HollowConsumer(blobRetriever: local)
        try await second.triggerRefreshTo(2)
        #expect(upstream.byteReads == 1, "the restart read its blob from the local store")
        #expect(try #require(second.readState).canonicalJSON() == (try JavaStores.expected("kitchensink", 2)))

        upstream.failing.store(true, ordering: .relaxed)
        let offline = HollowConsumer(blobRetriever: local)
        try await offline.triggerRefreshTo(2)
        #expect(offline.currentVersion == 2)
        // A version it never had fails with the store's error, and the consumer keeps what it has.
        await #expect(throws: CountingRetriever.Unreachable.self) { try await offline.triggerRefreshTo(3) }
        #expect(offline.currentVersion == 2)
    }

    @Test("the size bound evicts the least recently used copies, never the blob just stored")
    func sizeBoundEvictsOldest() async throws {
        let localDir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: localDir) }
        let fixture = JavaStores.path("metrics")
        func size(_ name: String) throws -> Int64 {
            (try FileManager.default.attributesOfItem(atPath: fixture + "/" + name)[.size] as! NSNumber).int64Value
        }
        // Room for snapshot-1 and delta-1-2 together, not for delta-2-3 as well.
        let bound = try size("snapshot-1") + size("delta-1-2") + size("delta-2-3") - 1
        let local = try FilesystemBlobRetriever(path: fixture).withLocalBlobStore(localDir, maxBytes: bound)
        let consumer = HollowConsumer(blobRetriever: local)
        try await consumer.triggerRefreshTo(1)
        try await consumer.triggerRefreshTo(2)
        #expect(try Self.names(localDir) == ["snapshot-1", "delta-1-2"])
        try await consumer.triggerRefreshTo(3)
        #expect(try Self.names(localDir) == ["delta-1-2", "delta-2-3"], "the oldest copy, snapshot-1, went")
        // A single blob larger than the bound is still kept (it is the one just stored).
        let tiny = try FilesystemBlobRetriever(path: fixture).withLocalBlobStore(localDir, maxBytes: 1)
        _ = try await HollowConsumer(blobRetriever: tiny).triggerRefreshTo(3)
        #expect(try Self.names(localDir) == ["snapshot-3"])
        #expect(throws: LocalBlobStoreError.self) { try FilesystemBlobRetriever(path: fixture).withLocalBlobStore(localDir, maxBytes: 0) }
    }

    @Test("blobFailedVerification deletes the local copy, so the next load downloads it again")
    func failedVerificationDeletesTheCopy() async throws {
        let localDir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: localDir) }
        let upstream = CountingRetriever(try FilesystemBlobRetriever(path: JavaStores.path("metrics")))
        let local = try upstream.withLocalBlobStore(localDir)
        let snapshot = try #require(try await local.retrieveSnapshotBlob(desiredVersion: 1))
        let good = try await snapshot.bytes()
        // A corrupted local copy is served until verification fails.
        try Data([0xFF]).write(to: URL(fileURLWithPath: localDir + "/snapshot-1"))
        #expect(try await local.retrieveSnapshotBlob(desiredVersion: 1)?.bytes() == [0xFF])
        await local.blobFailedVerification(snapshot)
        #expect(try !Self.names(localDir).contains("snapshot-1"))
        #expect(try await local.retrieveSnapshotBlob(desiredVersion: 1)?.bytes() == good)
        #expect(upstream.byteReads == 2)
    }
}

/// Counts the blob byte reads of a retriever, and can be made to fail like an unreachable store.
private final class CountingRetriever: BlobRetriever {
    let upstream: any BlobRetriever
    let reads = Atomic<Int>(0)
    let failing = Atomic<Bool>(false)
    var byteReads: Int { reads.load(ordering: .relaxed) }

    init(_ upstream: any BlobRetriever) { self.upstream = upstream }

    struct Unreachable: Error {}

    private func counted(_ blob: Blob?) throws -> Blob? {
        if failing.load(ordering: .relaxed) { throw Unreachable() }
        guard let blob else { return nil }
        if blob.type == .header { return blob }  // counts the loads of data, not the schema checks
        return Blob(type: blob.type, fromVersion: blob.fromVersion, toVersion: blob.toVersion) { [self] in
            self.reads.add(1, ordering: .relaxed)
            return try await blob.bytes()
        }
    }

    func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? {
        try counted(try await upstream.retrieveSnapshotBlob(desiredVersion: desiredVersion))
    }
    func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try counted(try await upstream.retrieveDeltaBlob(currentVersion: currentVersion))
    }
    func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try counted(try await upstream.retrieveReverseDeltaBlob(currentVersion: currentVersion))
    }
    func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? {
        try counted(try await upstream.retrieveHeaderBlob(desiredVersion: desiredVersion))
    }
}
