import HollowCore

// The store's directory entries and namespace directories. The pure naming (BlobFileName, StoreLayout, StoreIndex)
// lives in HollowCore, so that readers of a store over HTTP use the same names.

/// What a directory entry of a store is.
enum StoreEntry {
    case blob(BlobFileName)
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
