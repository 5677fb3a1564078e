public import HollowCore
public import Logging
import Foundation

/// A consumer's local blob store (Java: `HollowConsumer.Builder.withLocalBlobStore`): blobs downloaded through
/// it are kept on local disk, preferred to the shared store when they are there, and used when the shared
/// store is unreachable or gone.
///
/// - Every snapshot, delta and reverse delta loaded from `upstream` is written to `directory` under its ``Blob/fileName`` (uncompressed;
///   temp file + rename, so a crash never leaves a partial copy under a blob's name).
/// - A lookup asks `upstream` first: it stays the authority on which blob leads where. When it names a blob that
///   is here, the bytes come from the local copy; when it fails (an I/O error) or has nothing (its directory is
///   gone), the answer comes from the local copies alone. A restarted consumer whose shared store has vanished
///   still reaches the last version it loaded.
/// - With `maxBytes`, storing a blob evicts the least recently used copies (oldest modification time; a read
///   refreshes it) until the directory fits; the blob just stored is never evicted.
/// - A cache failure (disk full, permissions) never fails a refresh: the downloaded bytes are used anyway.
public struct CachingBlobRetriever: BlobRetriever {
    /// The shared store.
    public let upstream: any BlobRetriever
    /// The local directory.
    public let directory: String
    /// The most bytes the local copies may take, nil for no bound.
    public let maxBytes: Int64?
    /// The local copies alone, as a retriever (what a consumer can load without the shared store).
    public let local: LocalBlobDirectory
    private let logger: Logger

    /// - Parameters:
    ///   - upstream: the retriever of the shared store (e.g. an NFS store).
    ///   - directory: the local directory; created if missing.
    ///   - maxBytes: the size bound of the local copies, nil for none.
    ///   - logger: where cache failures and fallbacks are logged.
    /// - Throws: when the directory cannot be created, or `maxBytes` is not positive.
    public init(upstream: any BlobRetriever, directory: String, maxBytes: Int64? = nil, logger: Logger = .hollowDisabled) throws {
        if let maxBytes, maxBytes <= 0 {
            throw LocalBlobStoreError("the local blob store's size bound must be positive, not \(maxBytes) bytes")
        }
        self.upstream = upstream
        self.directory = directory
        self.maxBytes = maxBytes
        self.local = LocalBlobDirectory(directory: directory)
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? {
        let remote = await Self.ask { try await upstream.retrieveSnapshotBlob(desiredVersion: desiredVersion) }
        let here = local.snapshotName(atOrBelow: desiredVersion)
        if case .success(let blob?) = remote {
            // The nearer of the two: a local snapshot at least as new as the shared store's choice saves a download.
            if let here, here.version >= blob.toVersion { return local.blob(here.name, fallback: cached(blob)) }
            return cached(blob)
        }
        return try fallback(remote, here.flatMap { local.blob($0.name) }, "snapshot at or below \(desiredVersion)")
    }

    public func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        let remote = await Self.ask { try await upstream.retrieveDeltaBlob(currentVersion: currentVersion) }
        if case .success(let blob?) = remote { return preferLocal(blob) }
        return try fallback(remote, local.transition(.delta, from: currentVersion), "delta from \(currentVersion)")
    }

    public func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        let remote = await Self.ask { try await upstream.retrieveReverseDeltaBlob(currentVersion: currentVersion) }
        if case .success(let blob?) = remote { return preferLocal(blob) }
        return try fallback(
            remote, local.transition(.reverseDelta, from: currentVersion), "reverse delta from \(currentVersion)")
    }

    /// The shared store's header blob (header blobs, read to compare schemas, are not kept).
    public func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? {
        try await upstream.retrieveHeaderBlob(desiredVersion: desiredVersion)
    }

    /// The digests the shared store recorded (asked upstream each time, never cached, so a damaged local copy is
    /// always checked against the source's record). Nil when the shared store cannot answer: blobs served from
    /// local copies alone then load unverified.
    public func retrieveBlobDigests(version: Int64) async throws -> BlobDigests? {
        do {
            return try await upstream.retrieveBlobDigests(version: version)
        } catch {
            logger.info(
                "the shared store's digest record is unreadable; local copies load unverified",
                metadata: ["version": "\(version)", "error": "\(error)"])
            return nil
        }
    }

    /// Deletes the local copy of `blob`, which failed verification (a checksum mismatch), so that the next
    /// retrieval downloads it again from the shared store.
    public func blobFailedVerification(_ blob: Blob) async {
        local.remove(blob.fileName)
        logger.warning("deleted a local blob copy that failed verification", metadata: ["blob.name": "\(blob.fileName)"])
        await upstream.blobFailedVerification(blob)
    }

    /// The newest version the local copies alone reach (newest local snapshot and the local deltas after it);
    /// nil when there is no local snapshot. What a consumer loads when the shared store is gone at start.
    public func newestLocalVersion() async throws -> Int64? {
        guard local.snapshotName(atOrBelow: .max) != nil else { return nil }
        return try await UpdatePlanner(retriever: local).planToLatest(from: nil).destinationVersion
    }

    // MARK: -

    private static func ask(_ body: () async throws -> Blob?) async -> Result<Blob?, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// The answer when the shared store has none or failed: the local copy, else nil or the store's error.
    private func fallback(_ remote: Result<Blob?, any Error>, _ here: Blob?, _ what: String) throws -> Blob? {
        if case .failure(let error) = remote {
            guard let here else { throw error }
            logger.info(
                "the shared store failed; using the local copy",
                metadata: ["blob.name": "\(here.fileName)", "error": "\(error)"])
            return here
        }
        if let here {
            logger.debug("the shared store has no \(what); using the local copy", metadata: ["blob.name": "\(here.fileName)"])
        }
        return here
    }

    private func preferLocal(_ blob: Blob) -> Blob {
        local.blob(blob.fileName, onlyIfPresent: true, fallback: cached(blob)) ?? cached(blob)
    }

    /// `blob`, whose bytes are kept here once read. A consumer reads it as an input (``Blob/input()``): the shared
    /// store's input is copied here in bounded pieces and the state loads from the local file, so the local store is
    /// also the staging directory of blobs from a remote store.
    private func cached(_ blob: Blob) -> Blob {
        let local = self.local
        let maxBytes = self.maxBytes
        let logger = self.logger
        @Sendable func keep(_ store: () throws -> Void) {
            do {
                try store()
                if let maxBytes { local.evict(toFit: maxBytes, keeping: blob.fileName, logger: logger) }
            } catch {
                logger.warning(
                    "cannot keep a blob in the local store", metadata: ["blob.name": "\(blob.fileName)", "error": "\(error)"])
            }
        }
        return Blob(
            type: blob.type, fromVersion: blob.fromVersion, toVersion: blob.toVersion,
            loader: {
                if let bytes = local.read(blob.fileName) { return bytes }
                let bytes = try await blob.bytes()
                keep { try local.store(bytes, as: blob.fileName) }
                return bytes
            },
            digestingLoader: nil,
            input: {
                if let here = local.input(blob.fileName) { return here }
                let remote = try await blob.input()
                keep { try local.store(remote, as: blob.fileName) }
                return local.input(blob.fileName) ?? remote
            })
    }
}

extension BlobRetriever {
    /// This retriever with a local blob store in `directory` (Java: `withLocalBlobStore`); see
    /// ``CachingBlobRetriever``.
    public func withLocalBlobStore(
        _ directory: String, maxBytes: Int64? = nil, logger: Logger = .hollowDisabled
    ) throws -> CachingBlobRetriever {
        try CachingBlobRetriever(upstream: self, directory: directory, maxBytes: maxBytes, logger: logger)
    }
}

/// A problem with the local blob store's configuration.
public struct LocalBlobStoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The blobs in a local blob store's directory, as a ``BlobRetriever`` (file names: ``Blob/fileName``).
public struct LocalBlobDirectory: BlobRetriever {
    /// The directory.
    public let directory: String

    init(directory: String) { self.directory = directory }

    public func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? {
        snapshotName(atOrBelow: desiredVersion).flatMap { blob($0.name) }
    }

    public func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? { transition(.delta, from: currentVersion) }

    public func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        transition(.reverseDelta, from: currentVersion)
    }

    /// Always nil: header blobs are not kept locally.
    public func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? { nil }

    /// The blob names in the directory, parsed (temp files and anything else are skipped).
    func entries() -> [(name: String, type: BlobType, from: Int64?, to: Int64)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in Blob.parse(fileName: name).map { (name, $0.type, $0.fromVersion, $0.toVersion) } }
    }

    func snapshotName(atOrBelow version: Int64) -> (name: String, version: Int64)? {
        entries().filter { $0.type == .snapshot && $0.to <= version }.max { $0.to < $1.to }.map { ($0.name, $0.to) }
    }

    /// The (reverse) delta from `version`; of several, the one that reaches furthest (as the shared store does).
    func transition(_ type: BlobType, from version: Int64) -> Blob? {
        let candidates = entries().filter { $0.type == type && $0.from == version }
        let best = type == .delta ? candidates.max { $0.to < $1.to } : candidates.min { $0.to < $1.to }
        return best.flatMap { blob($0.name) }
    }

    func contains(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    func path(_ name: String) -> String { directory + "/" + name }

    /// The blob stored as `name`, nil if there is none (unless there is a `fallback` and not `onlyIfPresent`);
    /// its bytes come from the file, or from `fallback` if the file has gone by then.
    func blob(_ name: String, onlyIfPresent: Bool = false, fallback: Blob? = nil) -> Blob? {
        guard let parsed = Blob.parse(fileName: name), contains(name) || (fallback != nil && !onlyIfPresent) else {
            return nil
        }
        return Blob(
            type: parsed.type, fromVersion: parsed.fromVersion, toVersion: parsed.toVersion,
            loader: {
                if let bytes = read(name) { return bytes }
                if let fallback { return try await fallback.bytes() }
                throw LocalBlobStoreError("the local copy \(path(name)) disappeared")
            },
            digestingLoader: nil,
            input: {
                if let here = input(name) { return here }
                if let fallback { return try await fallback.input() }
                throw LocalBlobStoreError("the local copy \(path(name)) disappeared")
            })
    }

    /// The file `name` as an input read in bounded pieces, nil if it is not here; marks the copy as recently used.
    func input(_ name: String) -> BlobInput? {
        let path = path(name)
        guard (try? LocalFileStream(path: path)) != nil else { return nil }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
        return BlobInput { try LocalFileStream(path: path) }
    }

    /// Stores what `input` yields as `name`, copied in bounded pieces, atomically (HollowCore's `AtomicFile`: a
    /// hidden temp file, then a rename). Not fsynced: a copy lost or cut short by a power loss fails its checksum and
    /// is fetched again.
    func store(_ input: BlobInput, as name: String) throws {
        try AtomicFile.write(directory: directory, name: name, durable: false, failure: Self.failure) { fd, temp in
            try BlobInput.forEachChunk(of: try input.open()) { chunk in
                do throws(AtomicFile.Failure) { try AtomicFile.writeAll(fd, chunk, path: temp) } catch { throw Self.failure(error) }
            }
        }
    }

    /// The bytes of `name`, nil if it cannot be read; a read marks the copy as recently used.
    func read(_ name: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return nil }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path(name))
        return [UInt8](data)
    }

    /// Stores `bytes` as `name`, atomically and not fsynced, as the streamed `store` above.
    func store(_ bytes: [UInt8], as name: String) throws {
        do { try AtomicFile.write(path: path(name), bytes: bytes, durable: false) } catch { throw Self.failure(error) }
    }

    private static func failure(_ f: AtomicFile.Failure) -> any Error {
        LocalBlobStoreError(f.description)
    }

    func remove(_ name: String) { try? FileManager.default.removeItem(atPath: path(name)) }

    /// Deletes the least recently used copies until the blobs take at most `maxBytes`; never `keeping`.
    func evict(toFit maxBytes: Int64, keeping: String, logger: Logger) {
        var files: [(name: String, size: Int64, used: Date)] = entries().compactMap { entry in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path(entry.name)) else { return nil }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            return (entry.name, size, attributes[.modificationDate] as? Date ?? .distantPast)
        }
        var total = files.reduce(Int64(0)) { $0 + $1.size }
        files.sort { ($0.used, $0.name) < ($1.used, $1.name) }
        for file in files where total > maxBytes && file.name != keeping {
            remove(file.name)
            total -= file.size
            logger.debug("evicted a local blob copy", metadata: ["blob.name": "\(file.name)", "blob.bytes": "\(file.size)"])
        }
    }
}

/// A local copy read front to back in pieces.
final class LocalFileStream: BlobInputStream {
    private let handle: FileHandle
    private let size: Int
    private var position = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LocalBlobStoreError("cannot open the local copy \(path)")
        }
        self.handle = handle
        size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
    }

    deinit { try? handle.close() }

    var length: Int? { size }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = min(buffer.count, size - position)
        guard wanted > 0, let data = try handle.read(upToCount: wanted), !data.isEmpty else { return 0 }
        UnsafeMutableRawBufferPointer(rebasing: buffer[0..<data.count]).copyBytes(from: data)
        position += data.count
        return data.count
    }
}
