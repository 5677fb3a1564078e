public import HollowCore

/// Writes blobs into a directory under Java's file names (Java: `HollowFilesystemPublisher`).
///
/// Each blob is written atomically and durably: a temp file in the same directory, written, fsynced and
/// closed, renamed over the final name, then the directory fsynced. Readers (and a crash) never see a partial
/// file under a final name. A blob may be published again under the same name (it is replaced). No file locks
/// are used, so this works on NFS.
///
/// With a compressor, files carry its suffix (`snapshot-3.zst`) and a plain file of the same blob is removed.
///
/// A blob staged in a file (``FilesystemBlobStager``, ``HollowCore/Blob/isStreamed``) is copied from that file in
/// bounded pieces when it is published plain; with a compressor it is read whole and compressed in memory.
///
/// After each blob the publisher rewrites `blobs.index` (``StoreIndex``), the list of the store's blobs that
/// readers without directory listings (``StoreIndex``, HollowHTTP) use.
public struct FilesystemPublisher: Publisher {
    /// The directory the blobs go to (the store path, plus the namespace sub-directory if any).
    public let directory: String
    /// Compresses blobs before writing them; nil writes plain files that Java reads.
    public let compressor: (any BlobCompressor)?

    /// Creates a publisher, creating the directory if needed.
    /// - Parameters:
    ///   - path: The store directory (a local path or an NFS mount).
    ///   - namespace: A sub-directory of `path` holding this dataset's blobs (`/`-separated names allowed).
    ///   - compressor: Compresses each blob; its `fileExtension` is appended to the file names.
    /// - Throws: ``FilesystemStoreError`` if the namespace is invalid or the directory cannot be created.
    public init(path: String, namespace: String? = nil, compressor: (any BlobCompressor)? = nil) throws {
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
        self.compressor = compressor
        try Posix.makeDirectories(directory)
    }

    /// Writes `blob` durably under its file name, replacing any file of that name. The writes and fsyncs run on a
    /// thread of their own (``BlockingIO``), off the cooperative pool.
    /// - Throws: what the blob's loader or the compressor throws, or ``FilesystemStoreError`` for I/O failures.
    public func publish(_ blob: Blob) async throws {
        if blob.isStreamed && compressor == nil {
            let input = try await blob.input()
            try await BlockingIO.run { try self.publish(blob, input: input) }
            return
        }
        let bytes = try await blob.bytes()
        try await BlockingIO.run { try self.publish(blob, bytes: bytes) }
    }

    /// Writes what `input` yields as `blob`'s plain content, copied in bounded pieces (a staged blob).
    func publish(_ blob: Blob, input: BlobInput) throws(FilesystemStoreError) {
        let name = BlobFileName(blob: blob, compressionExtension: nil)
        try Posix.writeFileAtomically(directory: directory, name: name.fileName) { fd, temp throws(FilesystemStoreError) in
            do {
                try BlobInput.forEachChunk(of: try input.open()) { chunk throws(FilesystemStoreError) in
                    try Posix.writeAll(fd, chunk, path: temp)
                }
            } catch let error as FilesystemStoreError {
                throw error
            } catch {
                throw FilesystemStoreError(
                    code: .io, message: "cannot read the staged \(name.fileName): \(error)", path: temp)
            }
        }
        try StoreInventory.writeIndex(directory: directory)
    }

    /// Writes the version's digest file (`digests-5`, plain text, never compressed) durably, replacing any.
    public func publishDigests(_ digests: BlobDigests) async throws {
        try await BlockingIO.run { try FilesystemDigestFile.write(digests, directory: self.directory) }
    }

    /// Writes `bytes` as `blob`'s content (for callers that already hold the bytes).
    public func publish(_ blob: Blob, bytes: [UInt8]) throws {
        let name = BlobFileName(blob: blob, compressionExtension: compressor?.fileExtension)
        let data = try compressor?.compress(bytes) ?? bytes
        try Posix.writeFileAtomically(directory: directory, name: name.fileName, bytes: data)
        if name.compressionExtension != nil {
            // A plain file of the same blob (from an earlier configuration) would be stale now.
            try Posix.unlink(Posix.join(directory, name.baseName))
        }
        // The index is written after the blob is in place (and before any announcement of it).
        try StoreInventory.writeIndex(directory: directory)
    }
}

/// Reads and writes digest files (`digests-5`, see ``DigestFileName``).
enum FilesystemDigestFile {
    static func write(_ digests: BlobDigests, directory: String) throws(FilesystemStoreError) {
        try Posix.writeFileAtomically(
            directory: directory, name: DigestFileName(version: digests.version).fileName, bytes: Array(digests.text.utf8))
    }

    /// The digests in `directory`'s digest file of `version`; nil when there is none.
    static func read(directory: String, version: Int64) throws -> BlobDigests? {
        let path = Posix.join(directory, DigestFileName(version: version).fileName)
        let bytes: [UInt8]
        switch Result(catching: { () throws(FilesystemStoreError) in try Posix.readFile(path) }) {
        case .success(let read): bytes = read
        case .failure(let error) where error.code == .notFound: return nil
        case .failure(let error): throw error
        }
        return try BlobDigests(version: version, text: String(decoding: bytes, as: UTF8.self))
    }
}
