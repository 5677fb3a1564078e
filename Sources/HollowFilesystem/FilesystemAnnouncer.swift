public import HollowCore

/// Announces a version by writing `announced.version` (Java: `HollowFilesystemAnnouncer`).
///
/// The file holds the version in decimal ASCII with no newline, exactly like Java's, and is replaced atomically
/// (temp file, fsync, rename, directory fsync), so watchers never read a partial number.
public struct FilesystemAnnouncer: Announcer {
    /// The name of the announcement file, `announced.version`.
    public static let announcementFileName = "announced.version"

    /// The directory holding `announced.version`.
    public let directory: String

    /// Creates an announcer, creating the directory if needed.
    /// - Throws: ``FilesystemStoreError`` if the namespace is invalid or the directory cannot be created.
    public init(path: String, namespace: String? = nil) throws {
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
        try Posix.makeDirectories(directory)
    }

    /// Writes `version` to `announced.version` atomically and durably (the fsyncs run off the cooperative pool).
    public func announce(version: Int64) async throws {
        let directory = self.directory
        try await BlockingIO.run {
            try Posix.writeFileAtomically(
                directory: directory, name: Self.announcementFileName, bytes: Array(String(version).utf8))
        }
    }

    /// Reads the announced version of the store at `path` (and `namespace`); nil if nothing is announced.
    /// - Throws: ``FilesystemStoreError`` (`badAnnouncement`) if the file does not hold a decimal version.
    public static func readAnnouncedVersion(path: String, namespace: String? = nil) throws -> Int64? {
        try readAnnouncedVersion(directory: StoreDirectory.resolve(root: path, namespace: namespace))
    }

    static func readAnnouncedVersion(directory: String) throws(FilesystemStoreError) -> Int64? {
        let file = Posix.join(directory, announcementFileName)
        let bytes: [UInt8]
        switch Result(catching: { () throws(FilesystemStoreError) in try Posix.readFile(file) }) {
        case .success(let read): bytes = read
        case .failure(let error) where error.code == .notFound: return nil
        case .failure(let error): throw error
        }
        return try parseAnnouncement(bytes, path: file)
    }

    /// Parses the content of `announced.version`: a decimal `Int64`; surrounding ASCII whitespace is tolerated
    /// (Java writes none, but a hand-written `echo 5 > announced.version` adds a newline).
    static func parseAnnouncement(_ bytes: [UInt8], path: String) throws(FilesystemStoreError) -> Int64 {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        let trimmed = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        let text = String(decoding: trimmed, as: UTF8.self)
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let version = Int64(text) {
            return version
        }
        let excerpt = String(decoding: bytes.prefix(40), as: UTF8.self).unicodeScalars
            .map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
            .joined()
        let what = bytes.isEmpty ? "it is empty" : "found \"\(excerpt)\"\(bytes.count > 40 ? "…" : "")"
        throw FilesystemStoreError(
            code: .badAnnouncement, message: "\(path) does not hold a decimal version: \(what)", path: path)
    }
}
