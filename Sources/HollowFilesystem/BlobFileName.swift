public import HollowCore

/// A blob file name in a filesystem store, parsed: `snapshot-5`, `delta-4-5.zst`, `reversedelta-5-4`, `header-5`.
public struct BlobFileName: Hashable, Sendable, CustomStringConvertible {
    /// The blob kind.
    public var type: BlobType
    /// The version a (reverse) delta starts from; nil for snapshots and headers.
    public var fromVersion: Int64?
    /// The version the blob produces.
    public var toVersion: Int64
    /// The compression suffix without the dot (`zst`), or nil for a plain file.
    public var compressionExtension: String?

    /// Creates a name.
    public init(type: BlobType, fromVersion: Int64? = nil, toVersion: Int64, compressionExtension: String? = nil) {
        self.type = type
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.compressionExtension = compressionExtension
    }

    /// The name of `blob`'s file, with `compressionExtension` appended when given.
    public init(blob: Blob, compressionExtension: String? = nil) {
        self.init(
            type: blob.type, fromVersion: blob.fromVersion, toVersion: blob.toVersion,
            compressionExtension: compressionExtension)
    }

    /// The name without the compression suffix: Java's file name (`delta-4-5`).
    public var baseName: String {
        switch type {
        case .snapshot, .header: "\(type.rawValue)-\(toVersion)"
        case .delta, .reverseDelta: "\(type.rawValue)-\(fromVersion ?? 0)-\(toVersion)"
        }
    }

    /// The full file name (`delta-4-5.zst`).
    public var fileName: String {
        compressionExtension.map { "\(baseName).\($0)" } ?? baseName
    }

    public var description: String { fileName }

    /// Parses a directory entry. Returns nil with `reason` set when `name` is not a blob name.
    ///
    /// Versions are canonical non-negative decimals (as Java's `%d` writes them); a delta must go forward
    /// (`from < to`) and a reverse delta backward. The suffix, if any, must be 1-16 letters or digits.
    public static func parse(_ name: String, reason: inout String) -> BlobFileName? {
        var base = Substring(name)
        var ext: String?
        if let dot = name.lastIndex(of: ".") {
            let suffix = name[name.index(after: dot)...]
            guard !suffix.isEmpty, suffix.count <= 16, suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else {
                reason = "unexpected suffix"
                return nil
            }
            ext = String(suffix)
            base = name[..<dot]
        }
        let type: BlobType
        if base.hasPrefix("snapshot-") {
            type = .snapshot
        } else if base.hasPrefix("reversedelta-") {
            type = .reverseDelta
        } else if base.hasPrefix("delta-") {
            type = .delta
        } else if base.hasPrefix("header-") {
            type = .header
        } else if base.hasPrefix("snapshot_") || base.hasPrefix("delta_") || base.hasPrefix("reversedelta_") {
            reason = "optional blob part (not supported)"
            return nil
        } else {
            reason = "not a blob name"
            return nil
        }
        let numbers = base.dropFirst(type.rawValue.count + 1).split(separator: "-", omittingEmptySubsequences: false)
        var versions: [Int64] = []
        for text in numbers {
            guard let version = canonicalVersion(text) else {
                reason = "bad version \"\(text)\""
                return nil
            }
            versions.append(version)
        }
        switch type {
        case .snapshot, .header:
            guard versions.count == 1 else {
                reason = "expected \(type.rawValue)-<version>"
                return nil
            }
            return BlobFileName(type: type, toVersion: versions[0], compressionExtension: ext)
        case .delta, .reverseDelta:
            guard versions.count == 2 else {
                reason = "expected \(type.rawValue)-<from>-<to>"
                return nil
            }
            if type == .delta && versions[0] >= versions[1] {
                reason = "a delta must go to a newer version"
                return nil
            }
            if type == .reverseDelta && versions[0] <= versions[1] {
                reason = "a reverse delta must go to an older version"
                return nil
            }
            return BlobFileName(type: type, fromVersion: versions[0], toVersion: versions[1], compressionExtension: ext)
        }
    }

    /// Parses a directory entry, or returns nil.
    public static func parse(_ name: String) -> BlobFileName? {
        var reason = ""
        return parse(name, reason: &reason)
    }

    private static func canonicalVersion(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        if text.count > 1 && text.first == "0" { return nil }
        return Int64(text)
    }
}

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
    case temporary
    case ignored(reason: String)

    init(name: String) {
        if name == FilesystemAnnouncer.announcementFileName {
            self = .announcement
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
        let components = namespace.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            let valid =
                !component.isEmpty && !component.hasPrefix(".")
                && component.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
            if !valid {
                throw FilesystemStoreError(
                    code: .invalidArgument,
                    message:
                        "bad namespace \"\(namespace)\": use /-separated names of letters, digits, '-', '_', '.' not starting with '.'"
                )
            }
        }
        return Posix.join(root, namespace)
    }
}
