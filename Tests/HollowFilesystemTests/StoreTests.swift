import Foundation
import HollowCore
import HollowFilesystem
import HollowZstd
import Testing

@Suite struct StoreTests {
    @Test func publishWritesJavaNamesAndRetrieverReadsThemBack() async throws {
        let dir = try TempDirectory()
        let publisher = try FilesystemPublisher(path: dir.path)
        try await publisher.publish(Blob(type: .snapshot, toVersion: 1, bytes: [1, 2, 3]))
        try await publisher.publish(Blob(type: .delta, fromVersion: 1, toVersion: 2, bytes: [4]))
        try await publisher.publish(Blob(type: .reverseDelta, fromVersion: 2, toVersion: 1, bytes: [5]))
        try await publisher.publish(Blob(type: .header, toVersion: 2, bytes: [6, 7]))
        #expect(try listNames(dir.path) == ["blobs.index", "delta-1-2", "header-2", "reversedelta-2-1", "snapshot-1"])
        #expect(try readRaw(dir.file("snapshot-1")) == [1, 2, 3])

        let retriever = try FilesystemBlobRetriever(path: dir.path)
        let snapshot = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: 1))
        #expect(snapshot.type == .snapshot && snapshot.toVersion == 1)
        #expect(try await snapshot.bytes() == [1, 2, 3])
        let delta = try #require(try await retriever.retrieveDeltaBlob(currentVersion: 1))
        #expect(delta.fromVersion == 1 && delta.toVersion == 2 && delta.type == .delta)
        #expect(try await delta.bytes() == [4])
        let reverse = try #require(try await retriever.retrieveReverseDeltaBlob(currentVersion: 2))
        #expect(reverse.fromVersion == 2 && reverse.toVersion == 1 && reverse.type == .reverseDelta)
        #expect(try await reverse.bytes() == [5])
        let header = try #require(try await retriever.retrieveHeaderBlob(desiredVersion: 2))
        #expect(try await header.bytes() == [6, 7])
        #expect(try await retriever.retrieveHeaderBlob(desiredVersion: 1) == nil)
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 2) == nil)
        #expect(try await retriever.retrieveReverseDeltaBlob(currentVersion: 1) == nil)
    }

    @Test func aBlobMayBeOverwritten() async throws {
        let dir = try TempDirectory()
        let publisher = try FilesystemPublisher(path: dir.path)
        try await publisher.publish(Blob(type: .delta, fromVersion: 5, toVersion: 6, bytes: Array("first".utf8)))
        try await publisher.publish(Blob(type: .delta, fromVersion: 5, toVersion: 6, bytes: Array("second".utf8)))
        #expect(try listNames(dir.path) == ["blobs.index", "delta-5-6"])
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 5)?.bytes() == Array("second".utf8))
    }

    @Test func snapshotLookupIsExactOrGreatestBelow() async throws {
        let dir = try TempDirectory()
        let publisher = try FilesystemPublisher(path: dir.path)
        for version: Int64 in [10, 20, 30] {
            try await publisher.publish(Blob(type: .snapshot, toVersion: version, bytes: [UInt8(version)]))
        }
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 9) == nil)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 10)?.toVersion == 10)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 29)?.toVersion == 20)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 30)?.toVersion == 30)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: .max)?.toVersion == 30)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 25)?.bytes() == [20])
    }

    /// Java's retriever matches the bare prefix `delta-<v>`, so from version 1 it may pick `delta-12-13`.
    @Test func deltaLookupDoesNotMatchABarePrefix() async throws {
        let dir = try TempDirectory()
        for name in ["delta-12-13", "delta-1-2", "reversedelta-12-11", "reversedelta-2-1", "header-12", "snapshot-12"] {
            try writeRaw(dir.file(name), Array(name.utf8))
        }
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        let delta = try #require(try await retriever.retrieveDeltaBlob(currentVersion: 1))
        #expect(delta.fromVersion == 1 && delta.toVersion == 2)
        #expect(try await delta.bytes() == Array("delta-1-2".utf8))
        let reverse = try #require(try await retriever.retrieveReverseDeltaBlob(currentVersion: 2))
        #expect(reverse.toVersion == 1)
        #expect(try await retriever.retrieveReverseDeltaBlob(currentVersion: 1) == nil)
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 13) == nil)
        #expect(try await retriever.retrieveHeaderBlob(desiredVersion: 1) == nil)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1) == nil)

        // Only delta-12-13 exists from 12 onward; from 1 with delta-1-2 gone there is nothing.
        try FileManager.default.removeItem(atPath: dir.file("delta-1-2"))
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 1) == nil)
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 12)?.toVersion == 13)
    }

    /// After a rollback the producer re-publishes from the same origin: the delta reaching furthest wins.
    @Test func severalDeltasFromOneVersionPickTheFurthest() async throws {
        let dir = try TempDirectory()
        for name in ["delta-5-6", "delta-5-7", "reversedelta-7-5", "reversedelta-7-6"] {
            try writeRaw(dir.file(name), Array(name.utf8))
        }
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 5)?.toVersion == 7)
        #expect(try await retriever.retrieveReverseDeltaBlob(currentVersion: 7)?.toVersion == 6)
    }

    @Test(arguments: JavaFixtures.datasets)
    func readsEveryBlobOfAJavaStore(dataset: String) async throws {
        let store = JavaFixtures.root + "/" + dataset
        let retriever = try FilesystemBlobRetriever(path: store)
        for version: Int64 in 1...3 {
            let snapshot = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: version))
            #expect(snapshot.toVersion == version)
            #expect(try await snapshot.bytes() == readRaw("\(store)/snapshot-\(version)"))
            let header = try #require(try await retriever.retrieveHeaderBlob(desiredVersion: version))
            #expect(try await header.bytes() == readRaw("\(store)/header-\(version)"))
        }
        for version: Int64 in 1...2 {
            let delta = try #require(try await retriever.retrieveDeltaBlob(currentVersion: version))
            #expect(delta.toVersion == version + 1)
            #expect(try await delta.bytes() == readRaw("\(store)/delta-\(version)-\(version + 1)"))
        }
        for version: Int64 in 2...3 {
            let reverse = try #require(try await retriever.retrieveReverseDeltaBlob(currentVersion: version))
            #expect(reverse.toVersion == version - 1)
            #expect(try await reverse.bytes() == readRaw("\(store)/reversedelta-\(version)-\(version - 1)"))
        }
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 3) == nil)
        #expect(try await retriever.retrieveReverseDeltaBlob(currentVersion: 1) == nil)
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: store) == 3)
        #expect(retriever.ignoredFiles.map(\.name).sorted() == ["expected-1.json", "expected-2.json", "expected-3.json"])
    }

    @Test func theIndexIsNotRelistedOnEveryLookup() async throws {
        let dir = try TempDirectory()
        for version in 1...200 {
            try writeRaw(dir.file("snapshot-\(version)"), [UInt8(truncatingIfNeeded: version)])
            try writeRaw(dir.file("delta-\(version)-\(version + 1)"), [])
        }
        // Age the directory so its mtime is trusted (a directory changed in the last 2 s is re-listed).
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: dir.path)
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        for version: Int64 in 1...200 {
            #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: version)?.toVersion == version)
            #expect(try await retriever.retrieveDeltaBlob(currentVersion: version)?.toVersion == version + 1)
        }
        #expect(retriever.directoryListingCount == 1)

        // A miss re-lists once (the blob may have just arrived) ...
        #expect(try await retriever.retrieveHeaderBlob(desiredVersion: 7) == nil)
        #expect(retriever.directoryListingCount == 2)
        // ... and a new file changes the directory's mtime, which re-lists before the next lookup.
        try writeRaw(dir.file("snapshot-500"), [42])
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1000)?.toVersion == 500)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1000)?.bytes() == [42])
    }

    @Test func aStaleIndexStillFindsANewBlobOnAMiss() async throws {
        let dir = try TempDirectory()
        try writeRaw(dir.file("snapshot-1"), [1])
        let past = Date(timeIntervalSinceNow: -60)
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: dir.path)
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1)?.toVersion == 1)
        #expect(retriever.directoryListingCount == 1)
        // Write the delta, then put the directory's mtime back (as a lagging NFS attribute cache would show
        // it), so only the miss path can find it.
        try writeRaw(dir.file("delta-1-2"), [2])
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: dir.path)
        #expect(try await retriever.retrieveDeltaBlob(currentVersion: 1)?.toVersion == 2)
        #expect(retriever.directoryListingCount == 2)
    }

    @Test func aMissingOrUnreadableBlobFileGivesAnErrorNamingIt() async throws {
        let dir = try TempDirectory()
        try writeRaw(dir.file("snapshot-3"), [3])
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        let blob = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: 3))
        try FileManager.default.removeItem(atPath: dir.file("snapshot-3"))
        let error = try #require(await #expect(throws: FilesystemStoreError.self) { try await blob.bytes() })
        #expect(error.code == .notFound)
        #expect(error.message.contains(dir.file("snapshot-3")))

        // A directory under a blob name is not readable as a blob.
        try FileManager.default.createDirectory(atPath: dir.file("snapshot-4"), withIntermediateDirectories: false)
        let odd = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: 4))
        let readError = try #require(await #expect(throws: FilesystemStoreError.self) { try await odd.bytes() })
        #expect(readError.message.contains(dir.file("snapshot-4")))
    }

    @Test func aStoreDirectoryThatDoesNotExistYetIsEmpty() async throws {
        let dir = try TempDirectory()
        let retriever = try FilesystemBlobRetriever(path: dir.file("not-yet"))
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1) == nil)
        let publisher = try FilesystemPublisher(path: dir.file("not-yet"))
        try await publisher.publish(Blob(type: .snapshot, toVersion: 1, bytes: [1]))
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1)?.bytes() == [1])
    }

    @Test func namespacesAreSubDirectories() async throws {
        let dir = try TempDirectory()
        let movies = try FilesystemPublisher(path: dir.path, namespace: "movies")
        let shows = try FilesystemPublisher(path: dir.path, namespace: "tv/shows")
        try await movies.publish(Blob(type: .snapshot, toVersion: 1, bytes: [1]))
        try await shows.publish(Blob(type: .snapshot, toVersion: 1, bytes: [2]))
        try await FilesystemAnnouncer(path: dir.path, namespace: "movies").announce(version: 1)
        #expect(try readRaw(dir.file("movies/snapshot-1")) == [1])
        #expect(try readRaw(dir.file("tv/shows/snapshot-1")) == [2])
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path, namespace: "movies") == 1)
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path, namespace: "tv/shows") == nil)
        let retriever = try FilesystemBlobRetriever(path: dir.path, namespace: "tv/shows")
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1)?.bytes() == [2])
        // The root has no blobs of its own: namespaces are not blobs.
        #expect(try await FilesystemBlobRetriever(path: dir.path).retrieveSnapshotBlob(desiredVersion: 1) == nil)
        #expect(try StoreInventory.scan(path: dir.path).namespaces == ["movies", "tv"])
    }

    @Test(arguments: ["", "..", "a/../b", ".hidden", "a//b", "with space", "/abs"])
    func badNamespacesAreRefused(namespace: String) throws {
        let dir = try TempDirectory()
        let error = try #require(throws: FilesystemStoreError.self) {
            try FilesystemPublisher(path: dir.path, namespace: namespace)
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("namespace"))
    }

    @Test func compressedAndPlainStoresGiveIdenticalBytes() async throws {
        let plainDir = try TempDirectory()
        let zstdDir = try TempDirectory()
        let plain = try FilesystemPublisher(path: plainDir.path)
        let zstd = try FilesystemPublisher(path: zstdDir.path, compressor: ZstdCompressor(level: 3))
        var blobs: [Blob] = []
        for version: Int64 in 1...4 {
            blobs.append(Blob(type: .snapshot, toVersion: version, bytes: pattern(count: 100_000, seed: UInt64(version))))
            blobs.append(Blob(type: .header, toVersion: version, bytes: pattern(count: 50, seed: UInt64(version + 100))))
            if version > 1 {
                blobs.append(Blob(type: .delta, fromVersion: version - 1, toVersion: version, bytes: pattern(count: 5000, seed: UInt64(version + 200))))
                blobs.append(Blob(type: .reverseDelta, fromVersion: version, toVersion: version - 1, bytes: pattern(count: 5000, seed: UInt64(version + 300))))
            }
        }
        for blob in blobs {
            try await plain.publish(blob)
            try await zstd.publish(blob)
        }
        let zstdBlobs = try listNames(zstdDir.path).filter { $0 != StoreIndex.fileName }
        #expect(zstdBlobs.allSatisfy { $0.hasSuffix(".zst") })
        #expect(try listNames(plainDir.path).filter { $0 != StoreIndex.fileName }.map { $0 + ".zst" } == zstdBlobs)
        let zstdSize = try StoreInventory.scan(path: zstdDir.path).totalSize
        let plainSize = try StoreInventory.scan(path: plainDir.path).totalSize
        #expect(zstdSize < plainSize)

        let fromPlain = try FilesystemBlobRetriever(path: plainDir.path)
        let fromZstd = try FilesystemBlobRetriever(path: zstdDir.path, decompressors: [ZstdCompressor()])
        for version: Int64 in 1...4 {
            let a = try await fromPlain.retrieveSnapshotBlob(desiredVersion: version)?.bytes()
            let b = try await fromZstd.retrieveSnapshotBlob(desiredVersion: version)?.bytes()
            #expect(a != nil && a == b)
            #expect(try await fromPlain.retrieveHeaderBlob(desiredVersion: version)?.bytes()
                == fromZstd.retrieveHeaderBlob(desiredVersion: version)?.bytes())
            #expect(try await fromPlain.retrieveDeltaBlob(currentVersion: version)?.bytes()
                == fromZstd.retrieveDeltaBlob(currentVersion: version)?.bytes())
            #expect(try await fromPlain.retrieveReverseDeltaBlob(currentVersion: version)?.bytes()
                == fromZstd.retrieveReverseDeltaBlob(currentVersion: version)?.bytes())
        }
        // Without a zstd decompressor, compressed files are ignored, with the reason.
        let blind = try FilesystemBlobRetriever(path: zstdDir.path)
        #expect(try await blind.retrieveSnapshotBlob(desiredVersion: 4) == nil)
        #expect(blind.ignoredFiles.allSatisfy { $0.reason == "no decompressor for .zst" })
    }

    @Test func aCorruptCompressedBlobGivesAnErrorNamingIt() async throws {
        let dir = try TempDirectory()
        let publisher = try FilesystemPublisher(path: dir.path, compressor: ZstdCompressor())
        try await publisher.publish(Blob(type: .snapshot, toVersion: 1, bytes: pattern(count: 10_000, seed: 1)))
        var bytes = try readRaw(dir.file("snapshot-1.zst"))
        bytes[bytes.count / 2] ^= 0xFF
        try writeRaw(dir.file("snapshot-1.zst"), bytes)
        let retriever = try FilesystemBlobRetriever(path: dir.path, decompressors: [ZstdCompressor()])
        let blob = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: 1))
        let error = try #require(await #expect(throws: FilesystemStoreError.self) { try await blob.bytes() })
        #expect(error.code == .decompressionFailed)
        #expect(error.message.contains("snapshot-1.zst"))
    }

    @Test func publishingCompressedReplacesAPlainCopy() async throws {
        let dir = try TempDirectory()
        try await FilesystemPublisher(path: dir.path).publish(Blob(type: .snapshot, toVersion: 1, bytes: [1]))
        try await FilesystemPublisher(path: dir.path, compressor: ZstdCompressor())
            .publish(Blob(type: .snapshot, toVersion: 1, bytes: [2]))
        #expect(try listNames(dir.path) == ["blobs.index", "snapshot-1.zst"])
        let retriever = try FilesystemBlobRetriever(path: dir.path, decompressors: [ZstdCompressor()])
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1)?.bytes() == [2])

        // A plain copy written later (a producer that dropped compression) is newer, so it wins.
        try await Task.sleep(for: .milliseconds(20))
        try await FilesystemPublisher(path: dir.path).publish(Blob(type: .snapshot, toVersion: 1, bytes: [3]))
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 1)?.bytes() == [3])
    }

    @Test func leftoverTempFilesAndStrangeNamesAreIgnored() async throws {
        let dir = try TempDirectory()
        try writeRaw(dir.file(".snapshot-9.tmp-123-abc"), [0])  // an interrupted write
        try writeRaw(dir.file("announced.version.tmp"), Array("9".utf8))  // Java's temp announcement
        try writeRaw(dir.file("snapshot-20230212155028322.133f8fdd"), [0])  // Java's local cache temp name
        try writeRaw(dir.file("notes.txt"), [0])
        try writeRaw(dir.file("snapshot-2"), [2])
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 100)?.toVersion == 2)
        let ignored = Dictionary(uniqueKeysWithValues: retriever.ignoredFiles.map { ($0.name, $0.reason) })
        #expect(ignored["notes.txt"] == "not a blob name")
        #expect(ignored["snapshot-20230212155028322.133f8fdd"] == "no decompressor for .133f8fdd")
        #expect(ignored[".snapshot-9.tmp-123-abc"] == nil)
        let inventory = try StoreInventory.scan(path: dir.path)
        #expect(inventory.temporaryFiles == [".snapshot-9.tmp-123-abc", "announced.version.tmp"])
    }
}
