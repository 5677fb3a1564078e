import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import HollowZstd
import Subprocess
import Synchronization
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Blob digests end to end: the producer records them, the consumer refuses damaged blobs and keeps its state,
/// retries (dropping a cached copy), and loads Java-written stores unverified.
@Suite("Blob digests: producer records, consumer verifies")
struct BlobVerificationTests {
    /// A store of versions 1...3 (a snapshot every cycle, deltas and reverse deltas between), plain or zstd.
    static func publishStore(compressed: Bool) async throws -> String {
        let dir = try tempStore()
        let publisher = try FilesystemPublisher(path: dir, compressor: compressed ? ZstdCompressor() : nil)
        let producer = HollowProducer(publisher: publisher, versionMinter: CountingVersionMinter())
        for n in Int64(1)...3 {
            let data = movies(n...(40 + n), titleSuffix: n == 2 ? " (cut)" : "")
            try await producer.runCycle { s in for m in data { try s.add(m) } }
        }
        return dir
    }

    static func retriever(_ dir: String) throws -> FilesystemBlobRetriever {
        try FilesystemBlobRetriever(path: dir, decompressors: [ZstdCompressor()])
    }

    /// The file holding `blob` in `dir` (`delta-2-3` or `delta-2-3.zst`).
    static func file(_ dir: String, _ blob: String) -> String {
        FileManager.default.fileExists(atPath: dir + "/" + blob) ? dir + "/" + blob : dir + "/" + blob + ".zst"
    }

    /// Flips one bit in the middle of the blob's content. For a zstd file, `stored` damages the compressed bytes
    /// (zstd's own frame checksum catches it); otherwise the content is damaged and compressed again, the way a
    /// bad copy would be re-packed, which only the digest can catch.
    static func damage(_ dir: String, _ blob: String, stored: Bool = false) throws -> Data {
        let path = file(dir, blob)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var bytes = [UInt8](good)
        if path.hasSuffix(".zst") && !stored {
            var content = try ZstdCompressor().decompress(bytes)
            content[content.count / 2] ^= 0x10
            bytes = try ZstdCompressor().compress(content)
        } else {
            bytes[bytes.count / 2] ^= 0x10
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return good
    }

    @Test("the producer records a digest of every blob in the header blob's tags and in digests-V", arguments: [false, true])
    func producerRecordsDigests(compressed: Bool) async throws {
        let dir = try await Self.publishStore(compressed: compressed)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(files(dir).isSuperset(of: ["digests-1", "digests-2", "digests-3"]))
        let retriever = try Self.retriever(dir)
        let headerBlob = try #require(await retriever.retrieveHeaderBlob(desiredVersion: 3))
        let header = try HollowBlobHeader.read(try await headerBlob.bytes())
        let fromHeader = BlobDigests(version: 3, headerTags: header.headerTags)
        #expect(Set(fromHeader.byBlobName.keys) == ["snapshot-3", "delta-2-3", "reversedelta-3-2"])
        let text = try String(contentsOfFile: dir + "/digests-3", encoding: .utf8)
        #expect(try BlobDigests(version: 3, text: text) == fromHeader)
        // The digest is of the uncompressed blob, whatever the file's compression.
        let snapshot = try #require(await retriever.retrieveSnapshotBlob(desiredVersion: 3))
        #expect(fromHeader[snapshot] == BlobDigest(of: try await snapshot.bytes()))
        // The snapshot and delta blobs themselves carry no digest tags (a blob cannot hold its own digest).
        let snapshotHeader = try HollowBlobHeader.read(try await snapshot.bytes())
        #expect(!snapshotHeader.headerTags.keys.contains { $0.hasPrefix(BlobDigests.headerTagPrefix) })
        let result = await retriever.verify(snapshot)
        #expect(result == .verified(try #require(fromHeader[snapshot])))
    }

    @Test("a consumer over a store with digests reports its state verified, along deltas and reverse deltas", arguments: [false, true])
    func consumerStateVerified(compressed: Bool) async throws {
        let dir = try await Self.publishStore(compressed: compressed)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let consumer = HollowConsumer(blobRetriever: try Self.retriever(dir))
        #expect(consumer.stateVerification == nil)
        for version: Int64 in [1, 3, 2, 1] {
            try await consumer.triggerRefreshTo(version)
            #expect(consumer.stateVerification == .verified, "v\(version)")
        }
        #expect(consumer.metrics.deltasApplied == 4)
    }

    enum Damaged: String, CaseIterable, Sendable { case snapshot, delta, reverseDelta }

    static let damageCases: [(Damaged, Bool)] = Damaged.allCases.flatMap { kind in [(kind, false), (kind, true)] }

    @Test("a damaged byte in a snapshot, a delta or a reverse delta is refused; the state is kept; a later refresh retries", arguments: damageCases)
    func damagedBlobRefused(kind: Damaged, compressed: Bool) async throws {
        let dir = try await Self.publishStore(compressed: compressed)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let consumer = HollowConsumer(blobRetriever: try Self.retriever(dir))
        let (start, target, blob): (Int64, Int64, String) =
            switch kind {
            case .snapshot: (1, 3, "snapshot-3")
            case .delta: (2, 3, "delta-2-3")
            case .reverseDelta: (3, 2, "reversedelta-3-2")
            }
        try await consumer.triggerRefreshTo(start)
        if kind == .snapshot {
            // Without deltas from 1 the consumer must load snapshot-3 (a double snapshot).
            try FileManager.default.removeItem(atPath: Self.file(dir, "delta-1-2"))
        }
        let before = try #require(consumer.readState)
        let good = try Self.damage(dir, blob)

        let error = await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(target) }
        #expect(error?.code == .blobDamaged, "\(String(describing: error))")
        let message = error?.message ?? ""
        #expect(message.contains(blob) && message.components(separatedBy: "xxh3-64:").count == 3, "names the blob and both digests: \(message)")
        #expect(consumer.readState === before, "the state stays as it was")
        #expect(consumer.currentVersion == start)
        #expect(consumer.stateVerification == .verified)
        #expect(consumer.metrics.damagedBlobRefusals == 1)

        // Repaired (a fresh copy from the producer's source): the next refresh retries and succeeds.
        try good.write(to: URL(fileURLWithPath: Self.file(dir, blob)))
        try await consumer.triggerRefreshTo(target)
        #expect(consumer.currentVersion == target)
        #expect(consumer.stateVerification == .verified)
        let fresh = try await StateLoader(retriever: try Self.retriever(dir)).load(version: target)
        #expect(records(try #require(consumer.readState)) == records(fresh.state))
    }

    @Test("a damaged compressed file is refused by zstd's frame checksum before the digest; the state is kept", arguments: Damaged.allCases)
    func damagedCompressedFileRefused(kind: Damaged) async throws {
        let dir = try await Self.publishStore(compressed: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let consumer = HollowConsumer(blobRetriever: try Self.retriever(dir))
        let (start, target, blob): (Int64, Int64, String) =
            switch kind {
            case .snapshot: (1, 3, "snapshot-3")
            case .delta: (2, 3, "delta-2-3")
            case .reverseDelta: (3, 2, "reversedelta-3-2")
            }
        try await consumer.triggerRefreshTo(start)
        if kind == .snapshot { try FileManager.default.removeItem(atPath: Self.file(dir, "delta-1-2")) }
        let before = try #require(consumer.readState)
        _ = try Self.damage(dir, blob, stored: true)
        let error = await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(target) }
        #expect(error?.message.contains(blob) == true, "\(String(describing: error))")
        #expect(consumer.readState === before)
        let retriever = try Self.retriever(dir)
        let verify = await retriever.verify(try #require(try retriever.blob(named: blob)))
        #expect(verify.isDamaged)
    }

    @Test("a damaged cached copy is dropped and the blob read again from the store: the refresh succeeds verified")
    func damagedCacheCopyIsDropped() async throws {
        let dir = try await Self.publishStore(compressed: false)
        let cache = try tempStore()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: cache)
        }
        let upstream = CountingRetriever(try Self.retriever(dir))
        let consumer = HollowConsumer(blobRetriever: try CachingBlobRetriever(upstream: upstream, directory: cache))
        try await consumer.triggerRefreshTo(2)
        // A damaged local copy of delta-2-3 (a bad disk under the cache).
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/delta-2-3")))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: cache + "/delta-2-3"))

        try await consumer.triggerRefreshTo(3)
        #expect(consumer.currentVersion == 3)
        #expect(consumer.stateVerification == .verified)
        #expect(upstream.failedVerifications == ["delta-2-3"], "the cache passed the failure on")
        let cached = try Data(contentsOf: URL(fileURLWithPath: cache + "/delta-2-3"))
        #expect(cached == (try Data(contentsOf: URL(fileURLWithPath: dir + "/delta-2-3"))), "the cache holds a good copy again")
    }

    @Test("a Java-written store (no digests) still loads, reported unverified; a verified delta does not make it verified")
    func javaStoreLoadsUnverified() async throws {
        let listener = VerificationListener()
        let consumer = HollowConsumer(
            blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("metrics")), refreshListeners: [listener])
        try await consumer.triggerRefreshTo(1)
        #expect(consumer.stateVerification == .unverified)
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.stateVerification == .unverified)
        #expect(try #require(consumer.readState).canonicalJSON() == (try JavaStores.expected("metrics", 3)))
        #expect(listener.all == ["1 unverified", "3 unverified"])
        let retriever = try FilesystemBlobRetriever(path: JavaStores.path("metrics"))
        let result = await retriever.verify(try #require(await retriever.retrieveSnapshotBlob(desiredVersion: 1)))
        #expect(result.label == "unverified")
    }

    @Test("without verification the consumer does not read digests and reports unverified")
    func verificationOff() async throws {
        let dir = try await Self.publishStore(compressed: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.damage(dir, "delta-2-3")
        let consumer = HollowConsumer(blobRetriever: try Self.retriever(dir), verifiesBlobDigests: false)
        try await consumer.triggerRefreshTo(2)
        #expect(consumer.stateVerification == .unverified)
        // The damaged delta is not caught by the digest; it may or may not parse, but never as .blobDamaged.
        do { try await consumer.triggerRefreshTo(3) } catch let error as RefreshError { #expect(error.code != .blobDamaged) }
    }

    static let javaClasspath = ProcessInfo.processInfo.environment["HOLLOW_JAVA_CLASSPATH"] ?? ""
    static let java = ["/usr/bin/java", "/usr/local/bin/java"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let javaAvailable: Bool =
        java != nil && !javaClasspath.isEmpty
        && javaClasspath.split(separator: ":").allSatisfy { FileManager.default.fileExists(atPath: String($0)) }

    @Test(
        "Java Hollow's consumer reads a store written with digests (header tags and digests-V files)",
        .enabled(if: javaAvailable, "needs java and HOLLOW_JAVA_CLASSPATH naming Java Hollow's jar and the java-dump classes"))
    func javaReadsStoreWithDigests() async throws {
        let dir = try await Self.publishStore(compressed: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await FilesystemAnnouncer(path: dir).announce(version: 3)
        #expect(files(dir).contains("digests-3"))
        let loader = StateLoader(retriever: try Self.retriever(dir))
        for (walk, expected) in [("1,2,3", Int64(3)), ("3,2,1", Int64(1)), ("2", Int64(2))] {
            let out = dir + "/dump-\(expected).json"
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.javaClasspath, "hollowgen.Dump", "consumer", dir, walk, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            let javaDump = try String(contentsOfFile: out, encoding: .utf8)
            let ours = try await loader.load(version: expected)
            #expect(ours.verification == .verified)
            #expect(javaDump == ours.state.canonicalJSON(), "walk \(walk)")
            try FileManager.default.removeItem(atPath: out)
        }
    }
}

/// A retriever that records which blobs failed verification.
private final class CountingRetriever: BlobRetriever {
    let inner: FilesystemBlobRetriever
    private let failures = Mutex<[String]>([])
    var failedVerifications: [String] { failures.withLock { $0 } }
    init(_ inner: FilesystemBlobRetriever) { self.inner = inner }
    func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? { try await inner.retrieveSnapshotBlob(desiredVersion: desiredVersion) }
    func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? { try await inner.retrieveDeltaBlob(currentVersion: currentVersion) }
    func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? { try await inner.retrieveReverseDeltaBlob(currentVersion: currentVersion) }
    func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? { try await inner.retrieveHeaderBlob(desiredVersion: desiredVersion) }
    func retrieveBlobDigests(version: Int64) async throws -> BlobDigests? { try await inner.retrieveBlobDigests(version: version) }
    func blobFailedVerification(_ blob: Blob) async { failures.withLock { $0.append(blob.fileName) } }
}

/// Records what the consumer tells listeners about verification.
final class VerificationListener: RefreshListener {
    private let events = Mutex<[String]>([])
    var all: [String] { events.withLock { $0 } }
    func stateVerification(version: Int64, _ verification: BlobVerification) {
        events.withLock { $0.append("\(version) \(verification.rawValue)") }
    }
}
