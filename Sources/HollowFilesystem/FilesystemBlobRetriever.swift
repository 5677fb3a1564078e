public import HollowCore
import Synchronization

/// Finds blobs in a directory written by ``FilesystemPublisher`` or by Java's `HollowFilesystemPublisher`
/// (Java: `HollowFilesystemBlobRetriever`).
///
/// Plain and compressed files are read alike: a file with a suffix (`snapshot-3.zst`) is decompressed by the
/// decompressor whose `fileExtension` matches; files with other suffixes are ignored. Blob bytes load lazily.
///
/// A consumer loads states from the files themselves (``Blob/input()``): a plain file is read in bounded pieces
/// straight from the store, a compressed one through the decompressor's stream, so a blob is never held in memory
/// whole. A compressed file that does not declare its decompressed size (written by `zstd` from a pipe) is first
/// decompressed into ``stagingDirectory`` and read from there.
///
/// The retriever keeps an index of the directory instead of listing it on every call. Before a lookup it
/// `stat`s the directory (one call) and lists it again only if the directory's modification time changed (or
/// changed too recently to trust, within 2 s of the last listing), or when a lookup misses: a delta or header
/// that is not there, or a snapshot that is not the exact version asked for.
public final class FilesystemBlobRetriever: BlobRetriever {
    /// The directory the blobs are read from (the store path, plus the namespace sub-directory if any).
    public let directory: String
    /// Where compressed blobs that do not declare their decompressed size are staged while they are read.
    public let stagingDirectory: String
    private let decompressors: [String: any BlobCompressor]
    private let index = Mutex(Index())

    /// Creates a retriever. The directory need not exist yet: until it does, every lookup returns nil. Once a
    /// listing found it, its disappearance (removed or unmounted under a running consumer) is an error naming it.
    /// - Parameters:
    ///   - path: The store directory (a local path or an NFS mount).
    ///   - namespace: A sub-directory of `path` holding this dataset's blobs.
    ///   - decompressors: Decompress files whose suffix is their `fileExtension` (e.g. a `ZstdCompressor`).
    ///   - stagingDirectory: Where a compressed blob without a declared size is decompressed to while it is read
    ///     (created when needed); nil uses `$TMPDIR`, else `/tmp`.
    /// - Throws: ``FilesystemStoreError`` if the namespace is invalid.
    public init(
        path: String, namespace: String? = nil, decompressors: [any BlobCompressor] = [],
        stagingDirectory: String? = nil
    ) throws {
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
        self.stagingDirectory = stagingDirectory ?? Posix.temporaryDirectory
        var byExtension: [String: any BlobCompressor] = [:]
        for decompressor in decompressors { byExtension[decompressor.fileExtension] = decompressor }
        self.decompressors = byExtension
    }

    /// The snapshot of `desiredVersion`, or else of the greatest version below it; nil if there is none.
    public func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? {
        try lookup { index in
            guard let found = index.blobs.snapshot(atOrBelow: desiredVersion) else { return (nil, false) }
            return (found.entry, found.version == desiredVersion)
        }
    }

    /// The delta from `currentVersion`; if several exist (a re-published chain), the one reaching furthest.
    public func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try lookup { index in
            let files = index.blobs.delta(from: currentVersion)
            return (files, files != nil)
        }
    }

    /// The reverse delta from `currentVersion`; if several exist, the one to the nearest older version.
    public func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try lookup { index in
            let files = index.blobs.reverseDelta(from: currentVersion)
            return (files, files != nil)
        }
    }

    /// The header blob of exactly `desiredVersion`, or nil.
    public func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? {
        try lookup { index in
            let files = index.blobs.header(desiredVersion)
            return (files, files != nil)
        }
    }

    /// The digests recorded with `version`: the header tags of its header blob, completed by its digest file
    /// (`digests-5`), which also serves when the header blob is gone. Nil when neither records any.
    /// - Throws: ``FilesystemStoreError`` when a file exists but cannot be read, ``BlobDigestError`` for a
    ///   malformed digest file.
    public func retrieveBlobDigests(version: Int64) async throws -> BlobDigests? {
        var fromHeader: BlobDigests?
        if let header = try await retrieveHeaderBlob(desiredVersion: version) {
            fromHeader = BlobDigests(headerBlob: try await header.bytes(), version: version)
        }
        let directory = directory
        let fromFile = try await BlockingIO.run { try FilesystemDigestFile.read(directory: directory, version: version) }
        switch (fromHeader, fromFile) {
        case (nil, nil): return nil
        case (let header?, nil): return header.byBlobName.isEmpty ? nil : header
        case (nil, let file?): return file
        case (let header?, let file?): return file.merging(header)  // the header blob's tags win
        }
    }

    /// The blob stored under `name` (`snapshot-3`, `delta-2-3`, or with its suffix `snapshot-3.zst`), or nil.
    /// Without a suffix a plain or a compressed file is found alike.
    /// - Throws: ``FilesystemStoreError`` `.invalidArgument` when `name` is not a blob name.
    public func blob(named name: String) throws -> Blob? {
        var reason = ""
        guard let parsed = BlobFileName.parse(name, reason: &reason) else {
            throw FilesystemStoreError(code: .invalidArgument, message: "\(name) is not a blob name: \(reason)")
        }
        let found = try lookup { index in
            guard var files = index.blobs[parsed] else { return (nil, false) }
            if parsed.compressionExtension != nil {
                files.names = files.names.filter { $0 == name }
                if files.names.isEmpty { return (nil, false) }
            }
            return (files, true)
        }
        return found
    }

    /// How many times the directory was listed (an index refresh); for metrics and tests.
    public var directoryListingCount: Int { index.withLock { $0.listings } }

    /// Files the last listing skipped, with the reason (unknown suffix, not a blob name, ...).
    public var ignoredFiles: [(name: String, reason: String)] { index.withLock { $0.ignored } }

    // MARK: - Index

    /// One blob's files: usually one, two if a plain and a compressed copy both exist.
    struct Files {
        var name: BlobFileName
        var names: [String]
    }

    struct Stamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
    }

    struct Index {
        var blobs = BlobCatalog<Files>()
        var ignored: [(name: String, reason: String)] = []
        var stamp: Stamp?
        var trusted = false
        var listings = 0

    }

    /// Runs `body` on an index that is fresh enough; `body` returns the files found and whether that is a hit.
    /// A miss on an index that was not just listed lists the directory again and retries once.
    private func lookup(_ body: (Index) -> (Files?, Bool)) throws(FilesystemStoreError) -> Blob? {
        let result = index.withLock { index in
            Result { () throws(FilesystemStoreError) -> Files? in try lookupLocked(&index, body) }
        }
        return try result.get().map(makeBlob)
    }

    private func lookupLocked(_ index: inout Index, _ body: (Index) -> (Files?, Bool)) throws(FilesystemStoreError)
        -> Files?
    {
        var listed = false
        let stamp = try Posix.status(directory).map {
            Stamp(seconds: $0.modificationSeconds, nanoseconds: $0.modificationNanoseconds)
        }
        if stamp == nil {
            if index.stamp != nil {
                // It was there at the last listing: a store removed or unmounted, not an empty one.
                throw FilesystemStoreError(
                    code: .notFound, message: "the store directory \(directory) is gone (it existed at the last listing)",
                    path: directory)
            }
            index = Index(listings: index.listings)  // no directory (yet): an empty store
            return nil
        }
        if !index.trusted || index.stamp != stamp {
            try relist(&index)
            listed = true
        }
        var (found, hit) = body(index)
        if !hit && !listed {
            try relist(&index)
            (found, hit) = body(index)
        }
        return found
    }

    private func relist(_ index: inout Index) throws(FilesystemStoreError) {
        let listedAt = Posix.now().seconds  // taken before the stat: a later change then has a later mtime
        let before = try Posix.status(directory)
        let names = try Posix.listDirectory(directory)
        var fresh = Index(listings: index.listings + 1)
        if let before {
            fresh.stamp = Stamp(seconds: before.modificationSeconds, nanoseconds: before.modificationNanoseconds)
            // A directory changed within the last 2 s may change again within its mtime granularity
            // (1 s on some file systems, and NFS clocks differ): list again next time until it has settled.
            fresh.trusted = listedAt > before.modificationSeconds + 2
        }
        for name in names {
            let entry = StoreEntry(name: name)
            guard case .blob(let parsed) = entry else {
                if case .ignored(let reason) = entry { fresh.ignored.append((name, reason)) }
                continue
            }
            if let ext = parsed.compressionExtension, decompressors[ext] == nil {
                fresh.ignored.append((name, "no decompressor for .\(ext)"))
                continue
            }
            fresh.blobs.add(parsed, Files(name: parsed, names: [name])) { $0.names.append(name) }
        }
        index = fresh
    }

    private func makeBlob(_ files: Files) -> Blob {
        let directory = directory
        let decompressors = decompressors
        let names = files.names
        let staging = stagingDirectory
        return Blob(
            type: files.name.type, fromVersion: files.name.fromVersion, toVersion: files.name.toVersion,
            loader: { try Self.load(directory: directory, names: names, decompressors: decompressors).bytes },
            digestingLoader: {
                let (bytes, digest) = try Self.load(
                    directory: directory, names: names, decompressors: decompressors, digesting: true)
                return (bytes, digest ?? BlobDigest(of: bytes))
            },
            input: { try Self.input(directory: directory, names: names, decompressors: decompressors, staging: staging) })
    }

    /// The blob's file (the newest if there are several copies) as an input read in bounded pieces.
    private static func input(
        directory: String, names: [String], decompressors: [String: any BlobCompressor], staging: String
    ) throws -> BlobInput {
        let name = try newest(directory: directory, names: names)
        let path = Posix.join(directory, name)
        var decompressor: (any BlobCompressor)?
        if let ext = BlobFileName.parse(name)?.compressionExtension {
            guard let found = decompressors[ext] else {
                throw FilesystemStoreError(code: .unknownCompression, message: "no decompressor for \(path)", path: path)
            }
            decompressor = found
        }
        do {
            return try BlobInput.file(path, name: name, decompressor: decompressor, stagingDirectory: staging)
        } catch let error as FilesystemStoreError where error.code == .notFound && error.path == path {
            throw FilesystemStoreError(
                code: .notFound, message: "blob file \(path) is gone (deleted by a cleaner or replaced?)", path: path,
                errno: error.errno)
        }
    }

    /// The most recently written of a blob's files (a plain and a compressed copy: the newest one is current).
    private static func newest(directory: String, names: [String]) throws(FilesystemStoreError) -> String {
        var name = names[0]
        if names.count > 1 {
            var newest: (Stamp, String)?
            for candidate in names {
                guard let status = try Posix.status(Posix.join(directory, candidate)) else { continue }
                let stamp = Stamp(seconds: status.modificationSeconds, nanoseconds: status.modificationNanoseconds)
                if newest == nil || (stamp.seconds, stamp.nanoseconds) > (newest!.0.seconds, newest!.0.nanoseconds) {
                    newest = (stamp, candidate)
                }
            }
            name = newest?.1 ?? name
        }
        return name
    }

    /// Reads a blob's file (the newest if there are several copies) and decompresses it; with `digesting`, also
    /// its digest (of a plain file computed chunk by chunk as it is read).
    private static func load(
        directory: String, names: [String], decompressors: [String: any BlobCompressor], digesting: Bool = false
    ) throws -> (bytes: [UInt8], digest: BlobDigest?) {
        let name = try newest(directory: directory, names: names)
        let path = Posix.join(directory, name)
        let bytes: [UInt8]
        let compressed = BlobFileName.parse(name)?.compressionExtension != nil
        var hasher: XXH3Hasher? = digesting && !compressed ? XXH3Hasher() : nil
        switch Result(catching: { () throws(FilesystemStoreError) in try Posix.readFile(path, hashing: &hasher) }) {
        case .success(let read): bytes = read
        case .failure(let error) where error.code == .notFound:
            throw FilesystemStoreError(
                code: .notFound, message: "blob file \(path) is gone (deleted by a cleaner or replaced?)", path: path,
                errno: error.errno)
        case .failure(let error): throw error
        }
        guard let ext = BlobFileName.parse(name)?.compressionExtension else {
            return (bytes, hasher.map { BlobDigest(xxh3: $0.digest()) })
        }
        guard let decompressor = decompressors[ext] else {
            throw FilesystemStoreError(code: .unknownCompression, message: "no decompressor for \(path)", path: path)
        }
        do {
            let content = try decompressor.decompress(bytes)
            return (content, digesting ? BlobDigest(of: content) : nil)
        } catch {
            throw FilesystemStoreError(
                code: .decompressionFailed, message: "cannot decompress \(path): \(error)", path: path)
        }
    }
}
