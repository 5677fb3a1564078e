public import HollowCore

/// What a filesystem store holds: its blobs with sizes, the announced version, delta chains and gaps
/// (used by `hollow store`).
public struct StoreInventory: Sendable {
    /// One blob file.
    public struct File: Sendable, Hashable {
        /// The parsed name.
        public var name: BlobFileName
        /// The size on disk in bytes (compressed size for a compressed file).
        public var size: Int64
        /// The modification time, seconds since 1970.
        public var modified: Double?
        /// The file name.
        public var fileName: String { name.fileName }
    }

    /// A directory entry that is not a blob, with the reason.
    public struct IgnoredFile: Sendable, Hashable {
        /// The entry's name.
        public var name: String
        /// Why it is not a blob.
        public var reason: String
        /// Creates an entry.
        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    /// Two consecutive known versions with no delta from the first: a consumer there needs a new snapshot.
    public struct Gap: Sendable, Hashable {
        /// The version with no delta leaving it.
        public var from: Int64
        /// The next known version.
        public var to: Int64
        /// Creates a gap.
        public init(from: Int64, to: Int64) {
            self.from = from
            self.to = to
        }
    }

    /// The directory scanned.
    public var directory: String
    /// Snapshots, ascending by version (a blob stored plain and compressed appears twice).
    public var snapshots: [File] = []
    /// Deltas, ascending by origin.
    public var deltas: [File] = []
    /// Reverse deltas, ascending by origin.
    public var reverseDeltas: [File] = []
    /// Headers, ascending by version.
    public var headers: [File] = []
    /// Digest files (`digests-5`), ascending by version.
    public var digestFiles: [DigestFileName] = []
    /// The announced version, if `announced.version` holds one.
    public var announcedVersion: Int64?
    /// Why `announced.version` could not be read, if it could not.
    public var announcementProblem: String?
    /// Whether the directory holds a `blobs.index` (``StoreIndex``).
    public var hasIndex = false
    /// Left-over temp files of interrupted writes (`.snapshot-3.tmp-<pid>-<random>`).
    public var temporaryFiles: [String] = []
    /// Sub-directories: blob namespaces.
    public var namespaces: [String] = []
    /// Other entries, with the reason they are not blobs.
    public var ignored: [IgnoredFile] = []

    /// Every version some blob names, ascending.
    public var versions: [Int64] {
        var all = Set<Int64>()
        for file in snapshots + deltas + reverseDeltas + headers {
            all.insert(file.name.toVersion)
            if let from = file.name.fromVersion { all.insert(from) }
        }
        return all.sorted()
    }

    /// Total bytes of all blob files.
    public var totalSize: Int64 { (snapshots + deltas + reverseDeltas + headers).reduce(0) { $0 + $1.size } }

    /// The forward delta chains, each a list of versions a consumer follows from its first version: from every
    /// version with no delta into it, the delta reaching furthest is taken at each step (as the retriever does).
    public var deltaChains: [[Int64]] {
        let next = Dictionary(deltas.map { ($0.name.fromVersion!, $0.name.toVersion) }, uniquingKeysWith: max)
        let targets = Set(deltas.map(\.name.toVersion))
        var chains: [[Int64]] = []
        for start in next.keys.sorted() where !targets.contains(start) {
            var chain = [start]
            var seen: Set<Int64> = [start]
            while let to = next[chain.last!], seen.insert(to).inserted { chain.append(to) }
            chains.append(chain)
        }
        return chains
    }

    /// Consecutive versions with no forward delta from the first one.
    public var gaps: [Gap] {
        let origins = Set(deltas.compactMap(\.name.fromVersion))
        let all = versions
        return zip(all, all.dropFirst()).filter { !origins.contains($0.0) }.map { Gap(from: $0.0, to: $0.1) }
    }

    /// Versions (but the oldest) with no reverse delta back from them.
    public var versionsWithoutReverseDelta: [Int64] {
        let origins = Set(reverseDeltas.compactMap(\.name.fromVersion))
        return versions.dropFirst().filter { !origins.contains($0) }
    }

    /// The digests recorded for the blobs of `version` in its digest file, or nil when it has none.
    /// - Throws: ``FilesystemStoreError`` when the file exists but cannot be read, ``BlobDigestError`` when it is
    ///   malformed.
    public func recordedDigests(version: Int64) throws -> BlobDigests? {
        try FilesystemDigestFile.read(directory: directory, version: version)
    }

    /// Scans the store at `path` (and `namespace`).
    /// - Throws: ``FilesystemStoreError`` if the directory does not exist or cannot be listed.
    public static func scan(path: String, namespace: String? = nil) throws -> StoreInventory {
        try scan(directory: StoreDirectory.resolve(root: path, namespace: namespace))
    }

    static func scan(directory: String) throws(FilesystemStoreError) -> StoreInventory {
        guard let status = try Posix.status(directory), status.isDirectory else {
            throw FilesystemStoreError(code: .notFound, message: "no store directory at \(directory)", path: directory)
        }
        var inventory = StoreInventory(directory: directory)
        for name in try Posix.listDirectory(directory).sorted() {
            switch StoreEntry(name: name) {
            case .announcement:
                do throws(FilesystemStoreError) {
                    inventory.announcedVersion = try FilesystemAnnouncer.readAnnouncedVersion(directory: directory)
                } catch {
                    inventory.announcementProblem = error.message
                }
            case .index:
                inventory.hasIndex = true
            case .temporary:
                inventory.temporaryFiles.append(name)
            case .digests(let digests):
                inventory.digestFiles.append(digests)
            case .ignored(let reason):
                if let status = try Posix.status(Posix.join(directory, name)), status.isDirectory {
                    if !name.hasPrefix(".") { inventory.namespaces.append(name) }
                } else {
                    inventory.ignored.append(IgnoredFile(name: name, reason: reason))
                }
            case .blob(let parsed):
                // A blob that vanished between listing and stat (a cleaner) is simply skipped.
                guard let status = try Posix.status(Posix.join(directory, name)) else { continue }
                let file = File(
                    name: parsed, size: status.size,
                    modified: Double(status.modificationSeconds) + Double(status.modificationNanoseconds) / 1e9)
                switch parsed.type {
                case .snapshot: inventory.snapshots.append(file)
                case .delta: inventory.deltas.append(file)
                case .reverseDelta: inventory.reverseDeltas.append(file)
                case .header: inventory.headers.append(file)
                }
            }
        }
        sort(&inventory)
        return inventory
    }

    private static func sort(_ inventory: inout StoreInventory) {
        func order(_ a: File, _ b: File) -> Bool {
            ((a.name.fromVersion ?? a.name.toVersion), a.name.toVersion, a.fileName)
                < ((b.name.fromVersion ?? b.name.toVersion), b.name.toVersion, b.fileName)
        }
        inventory.snapshots.sort(by: order)
        inventory.deltas.sort(by: order)
        inventory.reverseDeltas.sort(by: order)
        inventory.headers.sort(by: order)
        inventory.digestFiles.sort { $0.version < $1.version }
    }
}

extension StoreInventory {
    /// The inventory of a store listed by other means (e.g. a store served over HTTP, from its `blobs.index`):
    /// `blobs` whose names are not blob names are skipped.
    public init(location: String, blobs: [StoredBlob], announcedVersion: Int64?) {
        directory = location
        self.announcedVersion = announcedVersion
        for blob in blobs {
            guard let name = BlobFileName.parse(blob.name) else { continue }
            let file = File(name: name, size: blob.size, modified: blob.modified)
            switch name.type {
            case .snapshot: snapshots.append(file)
            case .delta: deltas.append(file)
            case .reverseDelta: reverseDeltas.append(file)
            case .header: headers.append(file)
            }
        }
        Self.sort(&self)
    }
}
