public import HollowCore

/// Loads states of a store: the explorer asks it for the state of a version.
public protocol ExplorerStateLoader: Sendable {
    /// The state at `version` of `store`.
    func state(at version: Int64, from store: any BlobStore) async throws -> any ExplorerStateView
}

/// One version of a store with the blobs that belong to it.
struct VersionEntry: Sendable {
    var version: Int64
    var snapshot: StoredBlob?
    var header: StoredBlob?
    /// The delta from this version to the next.
    var delta: StoredBlob?
    /// The delta that leads to this version.
    var deltaIn: StoredBlob?
    var reverseDelta: StoredBlob?

    static func build(_ blobs: [StoredBlob]) -> [VersionEntry] {
        var byVersion: [Int64: VersionEntry] = [:]
        func touch(_ v: Int64) { if byVersion[v] == nil { byVersion[v] = VersionEntry(version: v) } }
        for b in blobs {
            switch b.type {
            case .snapshot: touch(b.toVersion); byVersion[b.toVersion]!.snapshot = b
            case .header: touch(b.toVersion); byVersion[b.toVersion]!.header = b
            case .delta:
                touch(b.toVersion); byVersion[b.toVersion]!.deltaIn = b
                if let f = b.fromVersion { touch(f); byVersion[f]!.delta = b }
            case .reverseDelta:
                if let f = b.fromVersion { touch(f); byVersion[f]!.reverseDelta = b }
                touch(b.toVersion)
            }
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }
}
