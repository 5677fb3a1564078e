public import HollowCore

/// Announces a version by writing `announced.version` (Java: `HollowFilesystemAnnouncer`).
///
/// The file holds the version in decimal ASCII with no newline, exactly like Java's, and is replaced atomically
/// (temp file, fsync, rename, directory fsync), so watchers never read a partial number.
public struct FilesystemAnnouncer: Announcer {
    /// The name of the announcement file, `announced.version`.
    public static let announcementFileName = StoreLayout.announcementFileName

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
        var problem = ""
        if let version = StoreLayout.parseAnnouncedVersion(bytes, problem: &problem) { return version }
        throw FilesystemStoreError(
            code: .badAnnouncement, message: "\(path) does not hold a decimal version: \(problem)", path: path)
    }
}
