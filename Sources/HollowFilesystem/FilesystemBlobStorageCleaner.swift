import HollowCore

/// Deletes old blobs from a filesystem store (Java: `HollowFilesystemBlobStorageCleaner`, which only deletes
/// snapshots).
///
/// Keeps the newest `numberOfSnapshotsToKeep` snapshots, the newest snapshot at or below the announced version,
/// every version reachable from those by forward deltas, and the blobs between such versions: their headers,
/// the deltas leaving them and the reverse deltas between two of them. Never deletes a blob whose name
/// mentions the announced version, and refuses to run while `announced.version` is unreadable. Temp files of
/// interrupted writes are deleted once older than `staleTempFileAge`.
public struct FilesystemBlobStorageCleaner: Sendable {
    /// What a cleaning pass did (or, in a dry run, would do).
    public struct Report: Sendable, Hashable {
        /// The files deleted, by name.
        public var deletedFiles: [String] = []
        /// The snapshot versions kept.
        public var keptSnapshotVersions: [Int64] = []
        /// The versions still reachable (kept snapshots and the versions their deltas lead to).
        public var retainedVersions: [Int64] = []
    }

    /// The directory cleaned.
    public let directory: String
    /// How many of the newest snapshots are kept (at least 1).
    public let numberOfSnapshotsToKeep: Int
    /// The age after which a temp file is considered abandoned.
    public let staleTempFileAge: Duration

    /// Creates a cleaner.
    /// - Parameters:
    ///   - path: The store directory.
    ///   - namespace: The dataset's sub-directory.
    ///   - numberOfSnapshotsToKeep: How many of the newest snapshots to keep (Java's default: 5).
    ///   - staleTempFileAge: Temp files older than this are removed (default 1 hour).
    /// - Throws: ``FilesystemStoreError`` for an invalid namespace or a count below 1.
    public init(
        path: String, namespace: String? = nil, numberOfSnapshotsToKeep: Int = 5,
        staleTempFileAge: Duration = .seconds(3600)
    ) throws {
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
        guard numberOfSnapshotsToKeep >= 1 else {
            throw FilesystemStoreError(
                code: .invalidArgument, message: "numberOfSnapshotsToKeep must be at least 1, not \(numberOfSnapshotsToKeep)")
        }
        self.numberOfSnapshotsToKeep = numberOfSnapshotsToKeep
        self.staleTempFileAge = staleTempFileAge
    }

    /// Deletes the blobs no longer needed.
    /// - Parameter dryRun: if true, deletes nothing and reports what would be deleted.
    /// - Throws: ``FilesystemStoreError`` if the store cannot be listed, `announced.version` is unreadable
    ///   (nothing is deleted then), or a file cannot be deleted.
    @discardableResult
    public func clean(dryRun: Bool = false) throws -> Report {
        let inventory = try StoreInventory.scan(directory: directory)
        if let problem = inventory.announcementProblem {
            throw FilesystemStoreError(
                code: .badAnnouncement, message: "not cleaning \(directory): \(problem)",
                path: Posix.join(directory, FilesystemAnnouncer.announcementFileName))
        }
        let plan = Self.plan(inventory, keep: numberOfSnapshotsToKeep)
        var report = Report(keptSnapshotVersions: plan.keptSnapshots, retainedVersions: plan.retained)
        report.deletedFiles = plan.delete

        let now = Posix.now().seconds
        let maxAge = Int(staleTempFileAge.components.seconds)
        for name in inventory.temporaryFiles {
            guard let status = try Posix.status(Posix.join(directory, name)) else { continue }
            if now - status.modificationSeconds > maxAge { report.deletedFiles.append(name) }
        }
        if !dryRun {
            // The index drops the blobs first, so readers that go by it (HTTP) stop asking for them.
            if !plan.delete.isEmpty { try StoreInventory.writeIndex(directory: directory, excluding: Set(plan.delete)) }
            for name in report.deletedFiles { try Posix.unlink(Posix.join(directory, name)) }
            if !report.deletedFiles.isEmpty { try Posix.fsyncDirectory(directory) }
        }
        return report
    }

    struct Plan {
        var keptSnapshots: [Int64]
        var retained: [Int64]
        var delete: [String]
    }

    static func plan(_ inventory: StoreInventory, keep: Int) -> Plan {
        let announced = inventory.announcedVersion
        let snapshotVersions = Set(inventory.snapshots.map(\.name.toVersion)).sorted(by: >)
        var kept = Set(snapshotVersions.prefix(keep))
        if let announced, let base = snapshotVersions.first(where: { $0 <= announced }) { kept.insert(base) }

        // Every version reachable from a kept snapshot (or the announced one) through forward deltas.
        var forward: [Int64: [Int64]] = [:]
        for delta in inventory.deltas { forward[delta.name.fromVersion!, default: []].append(delta.name.toVersion) }
        var retained = kept
        if let announced { retained.insert(announced) }
        var queue = Array(retained)
        while let version = queue.popLast() {
            for next in forward[version] ?? [] where retained.insert(next).inserted { queue.append(next) }
        }

        func mentionsAnnounced(_ name: BlobFileName) -> Bool {
            announced != nil && (name.toVersion == announced || name.fromVersion == announced)
        }
        var delete: [String] = []
        for file in inventory.snapshots where !kept.contains(file.name.toVersion) && !mentionsAnnounced(file.name) {
            delete.append(file.fileName)
        }
        for file in inventory.headers where !retained.contains(file.name.toVersion) && !mentionsAnnounced(file.name) {
            delete.append(file.fileName)
        }
        for file in inventory.digestFiles where !retained.contains(file.version) && file.version != announced {
            delete.append(file.fileName)
        }
        for file in inventory.deltas where !retained.contains(file.name.fromVersion!) && !mentionsAnnounced(file.name) {
            delete.append(file.fileName)
        }
        for file in inventory.reverseDeltas
        where !(retained.contains(file.name.fromVersion!) && retained.contains(file.name.toVersion))
            && !mentionsAnnounced(file.name)
        {
            delete.append(file.fileName)
        }
        return Plan(keptSnapshots: kept.sorted(), retained: retained.sorted(), delete: delete)
    }
}
