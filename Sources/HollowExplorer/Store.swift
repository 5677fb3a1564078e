public import HollowCore

/// One blob file of a store, as its inventory lists it.
public struct StoredBlob: Sendable, Hashable {
    public var type: BlobType
    /// The start version of a (reverse) delta; nil for snapshots and headers.
    public var fromVersion: Int64?
    public var toVersion: Int64
    /// The size of the stored file in bytes (compressed if the store compresses).
    public var size: Int64
    /// The file's modification time, seconds since 1970, when known.
    public var modified: Double?
    /// The stored name (`snapshot-3`, `delta-2-3.zst`).
    public var name: String

    public init(type: BlobType, fromVersion: Int64? = nil, toVersion: Int64, size: Int64, modified: Double? = nil, name: String) {
        self.type = type
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.size = size
        self.modified = modified
        self.name = name
    }
}

/// A read-only store of versions that the explorer browses: its inventory and its blobs' bytes.
///
/// The `hollow` executable adapts the filesystem store to it; the explorer never writes to a store.
public protocol ExplorerStore: Sendable {
    /// A human-readable name of the store (its directory).
    var location: String { get }
    /// Every blob in the store. Throws when the store cannot be listed (missing directory).
    func inventory() async throws -> [StoredBlob]
    /// The version the store's own announcement names (`announced.version`), or nil.
    func announcedVersion() async throws -> Int64?
    /// The uncompressed bytes of `blob`.
    func bytes(of blob: StoredBlob) async throws -> [UInt8]
}

/// Loads states of a store: the explorer asks it for the state of a version.
public protocol ExplorerStateLoader: Sendable {
    /// The state at `version`, built from `store`'s snapshot and (reverse) delta chain.
    func state(at version: Int64, from store: any ExplorerStore, inventory: [StoredBlob]) async throws -> any ExplorerStateView
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

/// A plan to reach a version: a snapshot, then deltas (forward or reverse) in order.
struct LoadPlan: Sendable {
    var snapshot: StoredBlob
    var deltas: [StoredBlob]

    /// The cheapest plan: the nearest snapshot at or below `version` plus forward deltas, else the nearest
    /// snapshot above it plus reverse deltas. Nil if the store cannot produce `version`.
    static func make(for version: Int64, inventory: [StoredBlob]) -> LoadPlan? {
        let snapshots = inventory.filter { $0.type == .snapshot }
        var forward: [Int64: StoredBlob] = [:]
        var backward: [Int64: StoredBlob] = [:]
        for b in inventory {
            guard let f = b.fromVersion else { continue }
            if b.type == .delta { forward[f] = b } else if b.type == .reverseDelta { backward[f] = b }
        }
        var best: LoadPlan?
        for s in snapshots.sorted(by: { abs($0.toVersion - version) < abs($1.toVersion - version) }) {
            var chain: [StoredBlob] = []
            var v = s.toVersion
            var ok = true
            while v != version {
                let next = v < version ? forward[v] : backward[v]
                guard let next, (v < version ? next.toVersion <= version : next.toVersion >= version), chain.count < 10_000
                else { ok = false; break }
                chain.append(next)
                v = next.toVersion
            }
            if ok, best == nil || chain.count < best!.deltas.count { best = LoadPlan(snapshot: s, deltas: chain) }
            if best?.deltas.isEmpty == true { break }
        }
        return best
    }
}
