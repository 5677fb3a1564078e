// One type of a read state: its populated ordinals and where each record's data lives.
//
// A snapshot gives `base` segments, one per shard. A delta does not copy them: its added records become new
// `patch` segments, and `patch` maps each added global ordinal to (segment, record index). Unchanged types
// and all base segments are shared between the old and the new read state, so applying a delta costs work
// proportional to the delta (plus a copy of the type's populated bit set and patch map). When the patches
// grow large relative to the type, the type is compacted into fresh base segments.

/// Where a record lives: a segment and the record's index in it.
struct Layers<Segment: AnyObject & Sendable>: Sendable {
    var base: [Segment]
    var shardShift: Int
    var patchSegments: [Segment] = []
    /// Global ordinal → (patch segment index << 32 | record index).
    var patch: [Int32: UInt64] = [:]
    /// Bit set of the ordinals in ``patch``, kept with it, so a reader can skip the dictionary lookup for other
    /// ordinals without building the bit set from the patch.
    var patched: [UInt64] = []

    init(base: [Segment], shardShift: Int) {
        self.base = base
        self.shardShift = shardShift
    }

    @inline(__always)
    func locate(_ ordinal: Int, count: (Segment) -> Int) -> (Segment, Int)? {
        if !patch.isEmpty, OrdinalBits.contains(patched, ordinal), let p = patch[Int32(truncatingIfNeeded: ordinal)] {
            return (patchSegments[Int(p >> 32)], Int(p & 0xFFFF_FFFF))
        }
        guard ordinal >= 0 else { return nil }
        let shard = ordinal & ((1 << shardShift) - 1)
        let local = ordinal >> shardShift
        let segment = base[shard]
        guard local < count(segment) else { return nil }
        return (segment, local)
    }
}

/// The storage of one type, by kind.
enum TypeStorage: Sendable {
    case object(Layers<ObjectSegment>)
    case list(Layers<ListSegment>)
    case set(Layers<SetSegment>)
    case map(Layers<MapSegment>)
}

/// One immutable type state.
final class TypeState: Sendable {
    let schema: HollowSchema
    /// Populated global ordinals (FORMAT.md §1.7).
    let populated: [UInt64]
    let populatedCount: Int
    /// The type's maximum ordinal as the blobs declare it (-1 for none).
    let maxOrdinal: Int
    /// The shard count of the blob that built the base segments (the latest blob's count is in `shardCount`).
    let shardCount: Int
    let storage: TypeStorage

    init(schema: HollowSchema, populated: [UInt64], maxOrdinal: Int, shardCount: Int, storage: TypeStorage) {
        self.schema = schema
        self.populated = populated
        self.populatedCount = OrdinalBits.count(populated)
        self.maxOrdinal = maxOrdinal
        self.shardCount = shardCount
        self.storage = storage
    }

    var name: String { schema.name }

    /// Bytes of record data held (fixed-length words, heaps, bit set); shared segments count in full.
    var byteSize: Int {
        var total = populated.count * 8
        switch storage {
        case .object(let l): total += (l.base + l.patchSegments).reduce(0) { $0 + $1.byteSize } + l.patch.count * 16
        case .list(let l): total += (l.base + l.patchSegments).reduce(0) { $0 + $1.byteSize } + l.patch.count * 16
        case .set(let l): total += (l.base + l.patchSegments).reduce(0) { $0 + $1.byteSize } + l.patch.count * 16
        case .map(let l): total += (l.base + l.patchSegments).reduce(0) { $0 + $1.byteSize } + l.patch.count * 16
        }
        return total
    }

    @inline(__always)
    func isPopulated(_ ordinal: Int) -> Bool { OrdinalBits.contains(populated, ordinal) }

    @inline(__always)
    func object(_ ordinal: Int) -> (ObjectSegment, Int)? {
        guard case .object(let l) = storage else { return nil }
        return l.locate(ordinal) { $0.recordCount }
    }

    @inline(__always)
    func list(_ ordinal: Int) -> (ListSegment, Int)? {
        guard case .list(let l) = storage else { return nil }
        return l.locate(ordinal) { $0.recordCount }
    }

    @inline(__always)
    func set(_ ordinal: Int) -> (SetSegment, Int)? {
        guard case .set(let l) = storage else { return nil }
        return l.locate(ordinal) { $0.recordCount }
    }

    @inline(__always)
    func map(_ ordinal: Int) -> (MapSegment, Int)? {
        guard case .map(let l) = storage else { return nil }
        return l.locate(ordinal) { $0.recordCount }
    }

    /// Number of records held in patch segments (records added by deltas since the last compaction).
    var patchCount: Int {
        switch storage {
        case .object(let l): l.patch.count
        case .list(let l): l.patch.count
        case .set(let l): l.patch.count
        case .map(let l): l.patch.count
        }
    }
}

/// Where a type state keeps its records, with segments as identities: enough to tell whether a record sits at the
/// same index of the same immutable segment in two states (then it holds the same bytes).
struct RecordPlacement {
    /// The storage kind (0 object, 1 list, 2 set, 3 map).
    let kind: Int
    let shardShift: Int
    /// The base segment of each shard.
    let base: [ObjectIdentifier]
    /// Bit set of the ordinals held in patch segments.
    let patched: [UInt64]
    /// Global ordinal → (patch segment index << 32 | record index).
    let patch: [Int32: UInt64]
    let patchSegments: [ObjectIdentifier]

    /// The placement of `type`'s records; the identities stay valid while `type` is alive.
    init(_ type: TypeState) {
        switch type.storage {
        case .object(let l): self.init(kind: 0, l)
        case .list(let l): self.init(kind: 1, l)
        case .set(let l): self.init(kind: 2, l)
        case .map(let l): self.init(kind: 3, l)
        }
    }

    private init<S>(kind: Int, _ l: Layers<S>) {
        self.kind = kind
        self.shardShift = l.shardShift
        self.base = l.base.map { ObjectIdentifier($0) }
        self.patched = l.patched
        self.patch = l.patch
        self.patchSegments = l.patchSegments.map { ObjectIdentifier($0) }
    }
}
