import HollowCore

// The store's directory entries and namespace directories. The pure naming (BlobFileName, StoreLayout, StoreIndex)
// lives in HollowCore, so that readers of a store over HTTP use the same names.

/// The name of a version's digest file, `digests-5`: the digests of the blobs published with version 5 (its
/// snapshot, the delta into it, the reverse delta out of it), in ``BlobDigests/text`` form.
///
/// The name starts with none of Java's blob prefixes (`snapshot-`, `delta-`, `reversedelta-`, `header-`), so
/// Java's `HollowFilesystemBlobRetriever` and cleaner never take it for a blob.
public struct DigestFileName: Hashable, Sendable, CustomStringConvertible {
    /// The name's prefix.
    public static let prefix = "digests-"
    /// The version whose blobs the file describes.
    public var version: Int64

    /// The digest file name of `version`.
    public init(version: Int64) {
        self.version = version
    }

    /// `digests-<version>`.
    public var fileName: String { Self.prefix + String(version) }

    public var description: String { fileName }

    /// Parses `digests-<version>` (a canonical non-negative decimal); nil for anything else.
    public static func parse(_ name: String) -> DigestFileName? {
        guard name.hasPrefix(prefix) else { return nil }
        let text = name.dropFirst(prefix.count)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            text.count == 1 || text.first != "0", let version = Int64(text)
        else { return nil }
        return DigestFileName(version: version)
    }
}

/// What a directory entry of a store is.
enum StoreEntry {
    case blob(BlobFileName)
    case digests(DigestFileName)
    case announcement
    case index
    case temporary
    case ignored(reason: String)

    init(name: String) {
        if name == StoreLayout.announcementFileName {
            self = .announcement
        } else if name == StoreIndex.fileName {
            self = .index
        } else if name.hasPrefix(".") && name.contains(Posix.tempMarker)
            || name == FilesystemAnnouncer.announcementFileName + ".tmp"
        {
            self = .temporary
        } else if let digests = DigestFileName.parse(name) {
            self = .digests(digests)
        } else {
            var reason = ""
            if let parsed = BlobFileName.parse(name, reason: &reason) {
                self = .blob(parsed)
            } else {
                self = .ignored(reason: reason)
            }
        }
    }
}

/// Resolves a store root and an optional namespace to the directory holding the blobs.
enum StoreDirectory {
    static func resolve(root: String, namespace: String?) throws(FilesystemStoreError) -> String {
        guard !root.isEmpty else {
            throw FilesystemStoreError(code: .invalidArgument, message: "the store path is empty")
        }
        guard let namespace else { return root }
        if let problem = StoreLayout.namespaceProblem(namespace) {
            throw FilesystemStoreError(code: .invalidArgument, message: problem)
        }
        return Posix.join(root, namespace)
    }
}
