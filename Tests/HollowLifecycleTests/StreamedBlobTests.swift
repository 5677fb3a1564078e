import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import HollowZstd
import Synchronization
import Testing

/// Consumers load states from a filesystem store's files in bounded pieces (``Blob/input()``): plain files
/// straight from the store, `.zst` files through zstd's streaming decoder, frames without a declared size staged
/// to a file first. The states equal those loaded from whole arrays; damage and truncation are refused.
@Suite("Staged and streamed blobs")
struct StreamedBlobTests {
    /// A store of versions 1...3 written by the producer, plain or zstd.
    static func publishStore(compressed: Bool) async throws -> String {
        let dir = try tempStore()
        let publisher = try FilesystemPublisher(path: dir, compressor: compressed ? ZstdCompressor() : nil)
        let producer = HollowProducer(publisher: publisher, versionMinter: CountingVersionMinter())
        for n in Int64(1)...3 {
            let data = movies(n...(1500 + n * 10), titleSuffix: n == 2 ? " (cut)" : "")
            try await producer.runCycle { s in for m in data { try s.add(m) } }
        }
        return dir
    }

    static func retriever(_ dir: String, staging: String? = nil) throws -> FilesystemBlobRetriever {
        try FilesystemBlobRetriever(path: dir, decompressors: [ZstdCompressor()], stagingDirectory: staging)
    }

    /// `content` as one zstd frame without a content size or checksum, in raw blocks (RFC 8878), as a streaming
    /// compressor such as `zstd` reading a pipe writes it.
    static func unsizedFrame(_ content: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x50]
        var offset = 0
        repeat {
            let size = min(128 << 10, content.count - offset)
            let value = UInt32(offset + size == content.count ? 1 : 0) | UInt32(size) << 3
            frame += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF)]
            frame += content[offset..<(offset + size)]
            offset += size
        } while offset < content.count
        return frame
    }

    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    @Test("a consumer follows a real store on disk from its files, forward and back; states equal in-memory loads", arguments: [false, true])
    func consumerReadsFiles(compressed: Bool) async throws {
        let dir = try await Self.publishStore(compressed: compressed)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let retriever = try Self.retriever(dir)
        let snapshot = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: 1))
        #expect(snapshot.isStreamed)

        let consumer = HollowConsumer(blobRetriever: retriever)
        var expected = try ReadState.load(snapshot: try await snapshot.bytes())
        for (version, delta) in [(Int64(1), nil), (2, true), (3, true), (2, false)] as [(Int64, Bool?)] {
            try await consumer.triggerRefreshTo(version)
            #expect(consumer.currentVersion == version)
            #expect(consumer.stateVerification == .verified)
            if let delta {
                let from = version + (delta ? -1 : 1)
                let found: Blob?
                if delta {
                    found = try await retriever.retrieveDeltaBlob(currentVersion: from)
                } else {
                    found = try await retriever.retrieveReverseDeltaBlob(currentVersion: from)
                }
                let blob = try #require(found)
                #expect(blob.isStreamed)
                let bytes = try await blob.bytes()
                expected = delta ? try expected.applying(delta: bytes) : try expected.applying(reverseDelta: bytes)
            }
            #expect(records(try #require(consumer.readState)) == records(expected), "version \(version)")
        }
    }

    @Test("a zstd frame without a declared size is staged to a file, loaded, and the staged file removed")
    func unsizedFrameIsStaged() async throws {
        let dir = try await Self.publishStore(compressed: false)
        let staging = try tempStore()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: staging)
        }
        let plain = try Self.read(dir + "/snapshot-2")
        try Self.write(Self.unsizedFrame(plain), dir + "/snapshot-2.zst")
        try FileManager.default.removeItem(atPath: dir + "/snapshot-2")

        let loaded = try await StateLoader(retriever: try Self.retriever(dir, staging: staging))
            .load(version: 2, fromSnapshot: 2)
        #expect(loaded.verification == .verified)
        #expect(records(loaded.state) == records(try ReadState.load(snapshot: plain)))
        #expect(files(staging).isEmpty, "staged copies are removed: \(files(staging))")
    }

    @Test("a damaged staged frame is refused by the digest and a truncated one as unreadable; the state is kept")
    func damagedStagedFrame() async throws {
        let dir = try await Self.publishStore(compressed: false)
        let staging = try tempStore()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: staging)
        }
        let consumer = HollowConsumer(blobRetriever: try Self.retriever(dir, staging: staging))
        try await consumer.triggerRefreshTo(2)
        let before = try #require(consumer.readState)
        let plain = try Self.read(dir + "/delta-2-3")
        try FileManager.default.removeItem(atPath: dir + "/delta-2-3")

        var damaged = plain
        damaged[damaged.count / 2] ^= 0x20  // raw blocks carry no checksum: only the digest can tell
        try Self.write(Self.unsizedFrame(damaged), dir + "/delta-2-3.zst")
        let error = await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(3) }
        #expect(error?.code == .blobDamaged, "\(String(describing: error))")
        #expect(error?.message.contains("delta-2-3") == true)
        #expect(consumer.readState === before)
        #expect(files(staging).isEmpty, "\(files(staging))")

        try Self.write(Array(Self.unsizedFrame(plain).dropLast(100)), dir + "/delta-2-3.zst")
        let cut = await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(3) }
        #expect(cut?.code == .retrievalFailed, "\(String(describing: cut))")
        #expect(cut?.message.contains("delta-2-3") == true && cut?.message.contains("ends inside a frame") == true, "\(String(describing: cut))")
        #expect(consumer.readState === before)
        #expect(files(staging).isEmpty, "\(files(staging))")

        try Self.write(Self.unsizedFrame(plain), dir + "/delta-2-3.zst")
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.currentVersion == 3)
    }

    @Test("a truncated .zst stream is refused naming the blob; the state is kept")
    func truncatedZstdStream() async throws {
        let dir = try await Self.publishStore(compressed: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let consumer = HollowConsumer(blobRetriever: try Self.retriever(dir))
        try await consumer.triggerRefreshTo(1)
        let before = try #require(consumer.readState)
        let path = dir + "/delta-1-2.zst"
        let good = try Self.read(path)
        try Self.write(Array(good[0..<(good.count / 2)]), path)
        let error = await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(2) }
        #expect(error?.code == .retrievalFailed, "\(String(describing: error))")
        #expect(error?.message.contains("delta-1-2") == true && error?.message.contains("ends inside a frame") == true, "\(String(describing: error))")
        #expect(consumer.readState === before)
        try Self.write(good, path)
        try await consumer.triggerRefreshTo(2)
        #expect(consumer.currentVersion == 2)
    }

    @Test("a truncated plain file is refused as truncated where it ends (without digests); the state is kept")
    func truncatedPlainFile() async throws {
        let dir = try await Self.publishStore(compressed: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loader = StateLoader(retriever: try Self.retriever(dir), verifiesDigests: false)
        let v1 = try await loader.load(version: 1)
        let path = dir + "/delta-1-2"
        let good = try Self.read(path)
        try Self.write(Array(good[0..<(good.count - 7)]), path)
        let error = await #expect(throws: RefreshError.self) { try await loader.update(v1.state, at: 1, to: 2) }
        #expect(error?.code == .blobInvalid, "\(String(describing: error))")
        #expect(error?.message.contains("delta-1-2") == true && error?.message.contains("truncated") == true, "\(String(describing: error))")
        #expect(records(v1.state) == records(try ReadState.load(snapshot: try Self.read(dir + "/snapshot-1"))))
    }

    /// A publisher that notes, as each blob is published, whether it is read from a staged file and how many
    /// files the staging directory holds at that moment.
    final class StagingProbe: Publisher {
        let base: FilesystemPublisher
        let staging: String
        let seen = Mutex<[(name: String, streamed: Bool, staged: Int)]>([])

        init(base: FilesystemPublisher, staging: String) {
            self.base = base
            self.staging = staging
        }

        func publish(_ blob: Blob) async throws {
            let staged = files(staging).count
            seen.withLock { $0.append((blob.fileName, blob.isStreamed, staged)) }
            try await base.publish(blob)
        }

        func publishDigests(_ digests: BlobDigests) async throws { try await base.publishDigests(digests) }
    }

    @Test("a producer stages its blobs in files, publishes them from there and removes them; the store loads its states", arguments: [false, true])
    func producerPublishesFromStagedFiles(compressed: Bool) async throws {
        let dir = try tempStore()
        let staging = try tempStore()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: staging)
        }
        let probe = StagingProbe(
            base: try FilesystemPublisher(path: dir, compressor: compressed ? ZstdCompressor() : nil), staging: staging)
        let producer = HollowProducer(
            publisher: probe, versionMinter: CountingVersionMinter(), blobStager: try FilesystemBlobStager(directory: staging))
        let loader = StateLoader(retriever: try Self.retriever(dir))
        for n in Int64(1)...3 {
            let data = movies(n...(1500 + n * 10), titleSuffix: n == 2 ? " (cut)" : "")
            let version = try await producer.runCycle { s in for m in data { try s.add(m) } }
            #expect(files(staging).isEmpty, "staged files are removed after the cycle: \(files(staging))")
            let loaded = try await loader.load(version: version)
            #expect(loaded.verification == .verified)
            let produced = try #require(await producer.readState)
            #expect(records(loaded.state) == records(produced), "version \(version)")
        }
        let seen = probe.seen.withLock { $0 }
        #expect(seen.count == 2 + 4 + 4, "\(seen.map(\.name))")  // snapshot + header, then also delta + reverse delta
        for blob in seen {
            #expect(blob.streamed, "\(blob.name) is read from its staged file")
            #expect(blob.staged >= 1, "\(blob.name) published while its staged copy exists")
        }
    }
}
