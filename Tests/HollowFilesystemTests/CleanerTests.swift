import Foundation
import HollowCore
import HollowFilesystem
import Testing

@Suite struct CleanerTests {
    /// Publishes a chain like a producer would: header every version, deltas and reverse deltas between
    /// consecutive versions, a snapshot every `snapshotEvery` versions.
    func makeChain(_ dir: String, versions: ClosedRange<Int64>, snapshotEvery: Int64 = 1) async throws {
        let publisher = try FilesystemPublisher(path: dir)
        for version in versions {
            if (version - versions.lowerBound) % snapshotEvery == 0 {
                try await publisher.publish(Blob(type: .snapshot, toVersion: version, bytes: [1]))
            }
            try await publisher.publish(Blob(type: .header, toVersion: version, bytes: [2]))
            if version > versions.lowerBound {
                try await publisher.publish(Blob(type: .delta, fromVersion: version - 1, toVersion: version, bytes: [3]))
                try await publisher.publish(
                    Blob(type: .reverseDelta, fromVersion: version, toVersion: version - 1, bytes: [4]))
            }
        }
    }

    @Test func keepsTheNewestSnapshotsAndWhatIsReachableFromThem() async throws {
        let dir = try TempDirectory()
        try await makeChain(dir.path, versions: 1...10)
        try await FilesystemAnnouncer(path: dir.path).announce(version: 10)
        let cleaner = try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 3)
        let report = try cleaner.clean()
        #expect(report.keptSnapshotVersions == [8, 9, 10])
        #expect(report.retainedVersions == [8, 9, 10])
        #expect(
            try listNames(dir.path) == [
                "announced.version", "blobs.index", "delta-8-9", "delta-9-10", "header-10", "header-8", "header-9",
                "reversedelta-10-9", "reversedelta-9-8", "snapshot-10", "snapshot-8", "snapshot-9",
            ])
        // Idempotent.
        #expect(try cleaner.clean().deletedFiles.isEmpty)
    }

    @Test func keepsTheDeltaChainsOfSparseSnapshots() async throws {
        let dir = try TempDirectory()
        try await makeChain(dir.path, versions: 1...20, snapshotEvery: 5)  // snapshots 1, 6, 11, 16
        try await FilesystemAnnouncer(path: dir.path).announce(version: 20)
        let report = try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 2).clean()
        #expect(report.keptSnapshotVersions == [11, 16])
        #expect(report.retainedVersions == Array(11...20))
        let retriever = try FilesystemBlobRetriever(path: dir.path)
        // A consumer can still reach every retained version, forward from snapshot 11 and back from 20.
        var version: Int64 = 11
        while let delta = try await retriever.retrieveDeltaBlob(currentVersion: version) { version = delta.toVersion }
        #expect(version == 20)
        while let reverse = try await retriever.retrieveReverseDeltaBlob(currentVersion: version) {
            version = reverse.toVersion
        }
        #expect(version == 11)
        #expect(try await retriever.retrieveSnapshotBlob(desiredVersion: 10) == nil)
        #expect(try await retriever.retrieveHeaderBlob(desiredVersion: 10) == nil)
    }

    @Test func neverDeletesTheAnnouncedVersionsBlobs() async throws {
        let dir = try TempDirectory()
        try await makeChain(dir.path, versions: 1...10)
        // Roll back: version 3 is announced again (a pin-like rollback of the producer).
        try await FilesystemAnnouncer(path: dir.path).announce(version: 3)
        let report = try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 2).clean()
        #expect(report.keptSnapshotVersions == [3, 9, 10])
        let names = Set(try listNames(dir.path))
        for name in ["snapshot-3", "header-3", "delta-3-4", "reversedelta-3-2", "delta-2-3", "reversedelta-4-3"] {
            #expect(names.contains(name), "\(name) was deleted")
        }
        #expect(!names.contains("snapshot-5"))
        #expect(!names.contains("snapshot-1"))
    }

    @Test func refusesToCleanWhileTheAnnouncementIsUnreadable() async throws {
        let dir = try TempDirectory()
        try await makeChain(dir.path, versions: 1...4)
        try writeRaw(dir.file("announced.version"), Array("oops".utf8))
        let before = try listNames(dir.path)
        let error = try #require(throws: FilesystemStoreError.self) {
            try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 1).clean()
        }
        #expect(error.code == .badAnnouncement)
        #expect(try listNames(dir.path) == before)
    }

    @Test func dryRunDeletesNothingAndStaleTempFilesGo() async throws {
        let dir = try TempDirectory()
        try await makeChain(dir.path, versions: 1...3)
        try writeRaw(dir.file(".snapshot-4.tmp-1-old"), [0])
        try writeRaw(dir.file(".snapshot-5.tmp-1-new"), [0])
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: dir.file(".snapshot-4.tmp-1-old"))
        let cleaner = try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 1)
        let before = try listNames(dir.path)
        let plan = try cleaner.clean(dryRun: true)
        #expect(try listNames(dir.path) == before)
        #expect(plan.deletedFiles.contains(".snapshot-4.tmp-1-old"))
        #expect(!plan.deletedFiles.contains(".snapshot-5.tmp-1-new"))
        let done = try cleaner.clean()
        #expect(done.deletedFiles == plan.deletedFiles)
        #expect(try listNames(dir.path).contains(".snapshot-5.tmp-1-new"))
        #expect(try !listNames(dir.path).contains(".snapshot-4.tmp-1-old"))
    }

    @Test func refusesToKeepZeroSnapshots() throws {
        let dir = try TempDirectory()
        #expect(throws: FilesystemStoreError.self) {
            try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 0)
        }
    }
}

@Suite struct InventoryTests {
    @Test func listsVersionsChainsSizesAndGaps() async throws {
        let dir = try TempDirectory()
        for (name, size) in [
            ("snapshot-1", 100), ("header-1", 10), ("delta-1-2", 20), ("reversedelta-2-1", 21), ("header-2", 10),
            ("delta-2-3", 22), ("reversedelta-3-2", 23), ("header-3", 10),
            // 3 → 5 is a gap (version 4 was never published; 5 starts a new chain with its own snapshot).
            ("snapshot-5", 150), ("delta-5-6", 30), ("header-6", 10),
        ] {
            try writeRaw(dir.file(name), [UInt8](repeating: 0, count: size))
        }
        try writeRaw(dir.file("announced.version"), Array("6".utf8))
        try writeRaw(dir.file("README"), [0])
        let inventory = try StoreInventory.scan(path: dir.path)
        #expect(inventory.announcedVersion == 6)
        #expect(inventory.versions == [1, 2, 3, 5, 6])
        #expect(inventory.snapshots.map(\.size) == [100, 150])
        #expect(inventory.deltaChains == [[1, 2, 3], [5, 6]])
        #expect(inventory.gaps == [StoreInventory.Gap(from: 3, to: 5)])
        #expect(inventory.versionsWithoutReverseDelta == [5, 6])
        #expect(inventory.totalSize == 100 + 10 + 20 + 21 + 10 + 22 + 23 + 10 + 150 + 30 + 10)
        #expect(inventory.ignored == [StoreInventory.IgnoredFile(name: "README", reason: "not a blob name")])
    }

    @Test(arguments: JavaFixtures.datasets)
    func javaFixtureStoresHaveOneChainAndNoGaps(dataset: String) throws {
        let inventory = try StoreInventory.scan(path: JavaFixtures.root + "/" + dataset)
        #expect(inventory.versions == [1, 2, 3])
        #expect(inventory.deltaChains == [[1, 2, 3]])
        #expect(inventory.gaps.isEmpty)
        #expect(inventory.versionsWithoutReverseDelta.isEmpty)
        #expect(inventory.announcedVersion == 3)
        #expect(inventory.snapshots.count == 3 && inventory.headers.count == 3)
    }

    @Test func aMissingStoreIsAClearError() throws {
        let dir = try TempDirectory()
        let error = try #require(throws: FilesystemStoreError.self) {
            try StoreInventory.scan(path: dir.file("nope"))
        }
        #expect(error.message.contains(dir.file("nope")))
    }
}
