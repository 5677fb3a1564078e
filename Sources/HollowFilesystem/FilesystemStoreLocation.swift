public import HollowCore

/// Where a dataset lives in a filesystem store: the store root and an optional namespace sub-directory.
///
/// Every command and library entry point names a store the same way: the root, plus a namespace when the
/// store holds several datasets. Without a namespace the blobs sit at the root (Java's layout).
public struct FilesystemStoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// The store root as given.
    public let root: String
    /// The namespace, nil for a dataset at the root.
    public let namespace: String?
    /// The directory holding the dataset's blobs and `announced.version`.
    public let directory: String

    /// Resolves `namespace` under `path`.
    /// - Throws: ``FilesystemStoreError`` `.invalidArgument` for an empty path or a bad namespace.
    public init(path: String, namespace: String? = nil) throws(FilesystemStoreError) {
        root = path
        self.namespace = namespace
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
    }

    public var description: String { directory }

    /// Whether the dataset's directory exists.
    public var exists: Bool { Posix.isDirectory(directory) }

    /// Checks that the store root and the namespace directory exist.
    /// - Throws: ``FilesystemStoreError`` `.notFound`, naming the missing directory (and the namespaces the store
    ///   does hold, when a namespace is missing).
    public func requireExisting() throws(FilesystemStoreError) {
        guard let rootStatus = try Posix.status(root) else {
            throw FilesystemStoreError(
                code: .notFound, message: "no store at \(root): the directory does not exist", path: root)
        }
        guard rootStatus.isDirectory else {
            throw FilesystemStoreError(code: .notFound, message: "the store \(root) is not a directory", path: root)
        }
        guard let namespace, !Posix.isDirectory(directory) else { return }
        let known = namespaces()
        let hint = known.isEmpty ? "it has none" : "it has: \(known.joined(separator: ", "))"
        throw FilesystemStoreError(
            code: .notFound,
            message: "no namespace \(namespace) in the store \(root): \(directory) does not exist (\(hint))",
            path: directory)
    }

    /// The namespaces (sub-directories not starting with `.`) at the store root, sorted.
    public func namespaces() -> [String] {
        guard let names = try? Posix.listDirectory(root) else { return [] }
        return names.filter { !$0.hasPrefix(".") && Posix.isDirectory(Posix.join(root, $0)) }.sorted()
    }

    /// A retriever for the dataset that decompresses files whose suffix matches a decompressor's extension.
    public func retriever(decompressors: [any BlobCompressor] = []) throws -> FilesystemBlobRetriever {
        try FilesystemBlobRetriever(path: root, namespace: namespace, decompressors: decompressors)
    }

    /// The announced version (`announced.version`), nil if nothing is announced.
    /// - Throws: ``FilesystemStoreError`` `.badAnnouncement` if the file does not hold a decimal version.
    public func announcedVersion() throws(FilesystemStoreError) -> Int64? {
        try FilesystemAnnouncer.readAnnouncedVersion(directory: directory)
    }
}

extension FilesystemBlobRetriever: BlobStore {
    /// The directory read.
    public var location: String { directory }

    /// Every blob file of the directory (plain and compressed copies alike), from ``StoreInventory``.
    public func inventory() async throws -> [StoredBlob] {
        let scanned = try StoreInventory.scan(directory: directory)
        return (scanned.snapshots + scanned.deltas + scanned.reverseDeltas + scanned.headers).map { file in
            StoredBlob(
                type: file.name.type, fromVersion: file.name.fromVersion, toVersion: file.name.toVersion,
                size: file.size, modified: file.modified, name: file.fileName)
        }
    }

    /// The version `announced.version` names, or nil.
    public func announcedVersion() async throws -> Int64? {
        try FilesystemAnnouncer.readAnnouncedVersion(directory: directory)
    }
}
