public import HollowCore
import Synchronization

/// Serializes rewrites of `blobs.index` within the process: each rewrite lists the directory after its own blob
/// is in place, so the last rename carries the last listing and no blob written before it is missing.
private let indexRewriteLock = Mutex(())

extension StoreInventory {
    /// The ``StoreIndex`` of the scanned blobs: one entry per blob, the most recently modified file where a blob
    /// is stored both plain and compressed (the one ``FilesystemBlobRetriever`` reads).
    public var index: StoreIndex {
        var newest: [BlobKey: File] = [:]
        for file in snapshots + deltas + reverseDeltas + headers {
            let key = BlobKey(type: file.name.type, from: file.name.fromVersion, to: file.name.toVersion)
            if let seen = newest[key], (seen.modified ?? 0) >= (file.modified ?? 0) { continue }
            newest[key] = file
        }
        return StoreIndex(entries: newest.values.map { StoreIndex.Entry(name: $0.name, size: $0.size) })
    }

    /// Rewrites `blobs.index` of the store at `path` (and `namespace`) from a listing of its blobs: atomically
    /// (temp file, fsync, rename, directory fsync), so a reader sees the old or the new index, never a part.
    /// ``FilesystemPublisher`` and ``FilesystemBlobStorageCleaner`` call it after each change; call it for a store
    /// written before the index existed (`hollow store --reindex`).
    /// - Returns: the index written.
    /// - Throws: ``FilesystemStoreError`` if the directory cannot be listed or the file cannot be written.
    @discardableResult
    public static func writeIndex(path: String, namespace: String? = nil) throws -> StoreIndex {
        try writeIndex(directory: StoreDirectory.resolve(root: path, namespace: namespace))
    }

    @discardableResult
    static func writeIndex(directory: String, excluding deleted: Set<String> = []) throws(FilesystemStoreError)
        -> StoreIndex
    {
        let result = indexRewriteLock.withLock { _ in
            Result { () throws(FilesystemStoreError) -> StoreIndex in
                var inventory = try scan(directory: directory)
                if !deleted.isEmpty {
                    inventory.snapshots.removeAll { deleted.contains($0.fileName) }
                    inventory.deltas.removeAll { deleted.contains($0.fileName) }
                    inventory.reverseDeltas.removeAll { deleted.contains($0.fileName) }
                    inventory.headers.removeAll { deleted.contains($0.fileName) }
                }
                let index = inventory.index
                try Posix.writeFileAtomically(directory: directory, name: StoreIndex.fileName, bytes: index.serialized())
                return index
            }
        }
        return try result.get()
    }

    private struct BlobKey: Hashable {
        var type: BlobType
        var from: Int64?
        var to: Int64
    }
}
