// The protocols that infrastructure modules (filesystem, zstd, MQTT) implement and that the producer and
// consumer use. Named after Java Hollow's `HollowProducer.Publisher`, `HollowConsumer.BlobRetriever`, ...

/// The kind of a blob, with the file-name prefix Java Hollow uses for it.
public enum BlobType: String, Sendable, Hashable, CaseIterable {
    case snapshot = "snapshot"
    case delta = "delta"
    case reverseDelta = "reversedelta"
    case header = "header"
}

/// One blob: a snapshot or header of `toVersion`, or a (reverse) delta from `fromVersion` to `toVersion`.
///
/// The bytes are loaded lazily, so a retriever can describe a blob before reading it.
public struct Blob: Sendable {
    public let type: BlobType
    /// The version the blob starts from: nil for snapshots and headers.
    public let fromVersion: Int64?
    /// The version the blob produces (for a reverse delta, the older version).
    public let toVersion: Int64
    private let loader: @Sendable () async throws -> [UInt8]
    private let digestingLoader: (@Sendable () async throws -> (bytes: [UInt8], digest: BlobDigest))?
    private let inputOpener: (@Sendable () async throws -> BlobInput)?

    /// A blob whose bytes are already in memory.
    public init(type: BlobType, fromVersion: Int64? = nil, toVersion: Int64, bytes: [UInt8]) {
        self.init(type: type, fromVersion: fromVersion, toVersion: toVersion) { bytes }
    }

    /// A blob whose (uncompressed) bytes `loader` reads on demand.
    public init(
        type: BlobType, fromVersion: Int64? = nil, toVersion: Int64,
        loader: @escaping @Sendable () async throws -> [UInt8]
    ) {
        self.init(
            type: type, fromVersion: fromVersion, toVersion: toVersion, loader: loader, digestingLoader: nil, input: nil)
    }

    /// A blob whose bytes `loader` reads on demand, and which `digestingLoader` reads while computing their
    /// ``BlobDigest`` on the way (e.g. chunk by chunk as a file is read, while each chunk is still in cache).
    public init(
        type: BlobType, fromVersion: Int64? = nil, toVersion: Int64,
        loader: @escaping @Sendable () async throws -> [UInt8],
        digestingLoader: (@Sendable () async throws -> (bytes: [UInt8], digest: BlobDigest))?
    ) {
        self.init(
            type: type, fromVersion: fromVersion, toVersion: toVersion, loader: loader,
            digestingLoader: digestingLoader, input: nil)
    }

    /// A blob that can also be read as a ``BlobInput`` (a file on disk, a decompressing stream), which states are
    /// loaded from in bounded pieces instead of from one array (Java: a `Blob` whose `getInputStream()` and
    /// `getFile()` a consumer reads).
    /// - Parameters:
    ///   - loader: reads the whole (uncompressed) blob into memory, for callers that want the bytes.
    ///   - digestingLoader: like `loader`, computing the digest on the way; nil hashes after `loader`.
    ///   - input: opens the blob's input; nil reads it through `loader`.
    public init(
        type: BlobType, fromVersion: Int64? = nil, toVersion: Int64,
        loader: @escaping @Sendable () async throws -> [UInt8],
        digestingLoader: (@Sendable () async throws -> (bytes: [UInt8], digest: BlobDigest))?,
        input: (@Sendable () async throws -> BlobInput)?
    ) {
        precondition((fromVersion == nil) == (type == .snapshot || type == .header), "fromVersion is for deltas only")
        self.type = type
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.loader = loader
        self.digestingLoader = digestingLoader
        self.inputOpener = input
    }

    /// True when ``input()`` reads the blob from a file or stream rather than from one array in memory.
    public var isStreamed: Bool { inputOpener != nil }

    /// The blob's (uncompressed) bytes as an input that states load from in bounded pieces: the retriever's file
    /// or stream when it has one, else the bytes in memory.
    public func input() async throws -> BlobInput {
        if let inputOpener { return try await inputOpener() }
        return BlobInput(bytes: try await loader())
    }

    /// The uncompressed blob bytes.
    public func bytes() async throws -> [UInt8] { try await loader() }

    /// The uncompressed blob bytes and their digest, computed while reading where the retriever can (else
    /// after reading).
    public func bytesWithDigest() async throws -> (bytes: [UInt8], digest: BlobDigest) {
        if let digestingLoader { return try await digestingLoader() }
        let bytes = try await loader()
        return (bytes, BlobDigest(of: bytes))
    }

    /// The file name Java's `HollowFilesystemPublisher` gives this blob (`snapshot-3`, `delta-2-3`,
    /// `reversedelta-3-2`, `header-3`).
    public var fileName: String { BlobFileName(blob: self).baseName }
}

/// Stores the blobs a producer writes (Java: `HollowProducer.Publisher`).
public protocol Publisher: Sendable {
    /// Stores `blob` durably under its name; replaces a blob of the same name (a re-published delta).
    func publish(_ blob: Blob) async throws
    /// Stores the digests of the blobs a cycle publishes, where the store keeps them besides the header blob's
    /// tags (a filesystem store writes a digest file). Called before the cycle's blobs are published.
    func publishDigests(_ digests: BlobDigests) async throws
}

extension Publisher {
    /// Keeps no digest record besides the header blob's tags.
    public func publishDigests(_ digests: BlobDigests) async throws {}
}

/// Keeps a producer's blobs in files between writing them and publishing them (Java: `HollowProducer.BlobStager`,
/// `HollowFilesystemBlobStager`): once a cycle's blobs are written and checked, their arrays are released and the
/// publisher reads each blob from its staged file (``Blob/input()``), so a slow store or a snapshot published
/// asynchronously does not keep the blobs in memory.
public protocol BlobStager: Sendable {
    /// Writes `bytes`, the content of `blob`, to the staging area and returns the same blob read from there. The
    /// staged copy is removed once the returned blob (and every input opened from it) is gone.
    /// - Throws: when the copy cannot be written.
    func stage(_ bytes: [UInt8], as blob: Blob) throws -> Blob
}

/// Finds the blobs a consumer needs (Java: `HollowConsumer.BlobRetriever`).
public protocol BlobRetriever: Sendable {
    /// The snapshot of `desiredVersion`, or else of the greatest version below it; nil if there is none.
    func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob?
    /// The delta that starts at `currentVersion`, or nil.
    func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob?
    /// The reverse delta that starts at `currentVersion` and leads to an older version, or nil.
    func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob?
    /// The header blob of exactly `desiredVersion`, or nil.
    func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob?
    /// The blob digests the producer recorded with `version` (see ``BlobDigests``), or nil when there is no
    /// record (a store written by Java Hollow or an older swift-hollow).
    func retrieveBlobDigests(version: Int64) async throws -> BlobDigests?
    /// Told when `blob` did not match its recorded digest, before the consumer retries it: a retriever with a
    /// local copy drops it, so the retry reads the blob again from its source.
    func blobFailedVerification(_ blob: Blob) async
}

extension BlobRetriever {
    /// Reads the digests from the header tags of `version`'s header blob; nil when there is no header blob of
    /// exactly that version or it cannot be parsed.
    /// - Throws: when the header blob exists but cannot be read.
    public func retrieveBlobDigests(version: Int64) async throws -> BlobDigests? {
        guard let blob = try await retrieveHeaderBlob(desiredVersion: version), blob.toVersion == version else {
            return nil
        }
        return BlobDigests(headerBlob: try await blob.bytes(), version: version)
    }

    /// Keeps no local copies: nothing to drop.
    public func blobFailedVerification(_ blob: Blob) async {}
}

extension BlobDigests {
    /// The digests in the header tags of a header blob's bytes; nil when the bytes are not a blob header.
    public init?(headerBlob bytes: [UInt8], version: Int64) {
        guard let header = try? HollowBlobHeader.read(bytes) else { return nil }
        self.init(version: version, headerTags: header.headerTags)
    }
}

/// One blob file of a store, as a listing names it (no bytes: retrieve those through the ``BlobRetriever``).
public struct StoredBlob: Sendable, Hashable {
    /// The blob kind.
    public var type: BlobType
    /// The start version of a (reverse) delta; nil for snapshots and headers.
    public var fromVersion: Int64?
    /// The version the blob produces.
    public var toVersion: Int64
    /// The size of the stored file in bytes (compressed if the file is).
    public var size: Int64
    /// The file's modification time, seconds since 1970, when known.
    public var modified: Double?
    /// The stored name (`snapshot-3`, `delta-2-3.zst`).
    public var name: String

    /// Creates a listing entry.
    public init(
        type: BlobType, fromVersion: Int64? = nil, toVersion: Int64, size: Int64, modified: Double? = nil, name: String
    ) {
        self.type = type
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.size = size
        self.modified = modified
        self.name = name
    }
}

/// A store that tools can browse: a ``BlobRetriever`` that can also list its blobs and read its own
/// announcement. The filesystem store implements it; the explorer reads any store through it.
public protocol BlobStore: BlobRetriever {
    /// A human-readable name of the store (its directory).
    var location: String { get }
    /// Every blob in the store. Throws when the store cannot be listed (a missing directory).
    func inventory() async throws -> [StoredBlob]
    /// The version the store's own announcement names (`announced.version`), or nil.
    func announcedVersion() async throws -> Int64?
    /// The blob stored as `name` (`snapshot-3`, `delta-2-3`, or with a compression suffix, `snapshot-3.zst`), or nil.
    /// Throws when `name` is not a blob name or the store cannot be read.
    func blob(named name: String) async throws -> Blob?
}

/// Tells consumers that a new version exists (Java: `HollowProducer.Announcer`).
public protocol Announcer: Sendable {
    /// Announces `version`; returns once the announcement is durable (written, or acknowledged by the broker).
    func announce(version: Int64) async throws
}

/// Something whose refresh can be requested (Java: the parts of `HollowConsumer` a watcher calls).
public protocol RefreshTrigger: AnyObject, Sendable {
    /// Requests a refresh to the watcher's latest version and returns at once.
    func triggerAsyncRefresh()
    /// Requests a refresh after a random delay up to `maxDelay`, so a fleet does not fetch at the same instant.
    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration)
}

/// Knows which version consumers should hold and tells subscribed consumers when it changes
/// (Java: `HollowConsumer.AnnouncementWatcher`).
public protocol AnnouncementWatcher: Sendable {
    /// The version to hold: a pin when one is in force, else the announced version; nil when none is known.
    var latestVersion: Int64? { get }
    /// Whether `latestVersion` comes from a pin rather than an announcement.
    var isPinned: Bool { get }
    /// Delivers future changes to `consumer`; if a version is already known, triggers a refresh at once.
    func subscribeToUpdates(_ consumer: any RefreshTrigger)
}

extension AnnouncementWatcher {
    public var isPinned: Bool { false }
}

/// Compresses blobs on publish and decompresses them on retrieval; compressed files carry `fileExtension`.
public protocol BlobCompressor: Sendable {
    /// The file-name suffix without the dot, e.g. `zst`.
    var fileExtension: String { get }
    func compress(_ bytes: [UInt8]) throws -> [UInt8]
    func decompress(_ bytes: [UInt8]) throws -> [UInt8]
    /// A stream of the decompressed bytes of `compressed`, read in bounded pieces. Its `length` is nil when the
    /// compressed data does not declare its decompressed size (the caller then stages it to a file).
    /// - Throws: when the compressed data is malformed from its first bytes.
    func decompressing(_ compressed: any BlobInputStream) throws -> any BlobInputStream
}

extension BlobCompressor {
    /// Reads all of `compressed` and decompresses it in memory (compressors without a streaming decoder).
    public func decompressing(_ compressed: any BlobInputStream) throws -> any BlobInputStream {
        var bytes: [UInt8] = []
        try BlobInput.forEachChunk(of: compressed) { bytes.append(contentsOf: $0) }
        return MemoryBlobInputStream(try decompress(bytes))
    }
}

/// Observes a consumer's refreshes (Java: `HollowConsumer.RefreshListener`). Every method has an empty default.
public protocol RefreshListener: Sendable {
    /// A refresh from `currentVersion` (nil when empty) towards `requestedVersion` begins.
    func refreshStarted(currentVersion: Int64?, requestedVersion: Int64)
    /// A refresh completed: the consumer now holds `version`.
    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool)
    /// A refresh failed; the consumer still holds `currentVersion`.
    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error)
    /// Told just before ``refreshSuccessful(beforeVersion:version:requestedVersion:duration:isPinned:)`` whether
    /// the new state was verified against the blob digests the producer recorded.
    func stateVerification(version: Int64, _ verification: BlobVerification)
}

extension RefreshListener {
    public func refreshStarted(currentVersion: Int64?, requestedVersion: Int64) {}
    public func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {}
    public func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {}
    public func stateVerification(version: Int64, _ verification: BlobVerification) {}
}
