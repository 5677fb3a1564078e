/// The write state of one type: its records deduplicated into ordinals (the "ordinal map"), the populated
/// ordinals of the previous and the current cycle, and the per-kind statistics and blob sections.
final class TypeWriteState {
    let schema: HollowSchema
    /// Shard count; -1 until chosen at the first write.
    var numShards: Int
    let isNumShardsPinned: Bool
    var revNumShards = 0

    /// The records by ordinal and the dedup table over them.
    private(set) var map = OrdinalMap()

    var current = WriteBitSet()
    var previous = WriteBitSet()

    // Set by prepareForWrite.
    var maxOrdinal = -1
    var maxShardOrdinal: [Int] = []
    var revMaxShardOrdinal: [Int] = []
    var objectStats: ObjectStats?
    /// Collection statistics for the reverse delta's shard count, when it differs from `numShards` (resharding).
    var revCollectionStats: CollectionStats?
    /// Cached by the engine: the type states this type's references point to.
    var referenceTargets: [TypeWriteState?]?
    var collectionStats: CollectionStats?

    init(schema: HollowSchema, numShards: Int?) {
        self.schema = schema
        self.numShards = numShards ?? -1
        self.isNumShardsPinned = numShards != nil
    }

    var name: String { schema.name }

    // MARK: Ordinal map

    /// The ordinal of `bytes` (an existing identical record's, or a new one), marked populated in this cycle.
    @inline(__always)
    func add(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { add($0) }
    }

    /// ``add(_:)-([UInt8])`` of bytes in place.
    @inline(__always)
    func add(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let ordinal = map.add(bytes)
        current.insert(ordinal)
        return ordinal
    }

    /// Puts a record at a given ordinal (restore). The ordinal must be free.
    func put(_ bytes: [UInt8], at ordinal: Int) {
        bytes.withUnsafeBufferPointer { map.put($0, at: ordinal) }
    }

    /// After restoring: every ordinal below the highest one that holds no record is free.
    func recalculateFreeOrdinals() { map.recalculateFreeOrdinals() }

    /// The serialized records (index them with ``recordRange(_:)``).
    var data: [UInt8] { map.data }

    /// True if an ordinal holds a record (of the previous or the current cycle).
    @inline(__always)
    func hasRecord(_ o: Int) -> Bool { map.hasRecord(o) }

    /// Byte range of an ordinal's record in `data`.
    @inline(__always)
    func recordRange(_ o: Int) -> Range<Int> { map.recordRange(o) }

    /// `prepareForNextCycle`: drop records not in the state just written, free their ordinals, swap cycles.
    func prepareForNextCycle() {
        map.keepOnly(current)
        previous = current
        current = WriteBitSet()
        objectStats = nil
        collectionStats = nil
        revCollectionStats = nil
    }

    var hasChangedSinceLastCycle: Bool {
        current != previous || (numShards != revNumShards && revNumShards != 0)
    }

    // MARK: Write preparation

    static func calcMaxShardOrdinal(_ maxOrdinal: Int, _ numShards: Int) -> [Int] {
        let minPer = (maxOrdinal + 1) / numShards
        return (0..<numShards).map { i in i < ((maxOrdinal + 1) & (numShards - 1)) ? minPer : minPer - 1 }
    }

    /// Computes statistics and shard counts for writing.
    /// - Parameter canReshard: the shard count may change from the previous state's (Java's type resharding):
    ///   towards the count the projected size asks for, at most doubling or halving per cycle; the reverse delta
    ///   keeps the previous count.
    /// - Returns: the previous and new shard counts when they differ.
    @discardableResult
    func prepareForWrite(targetMaxTypeShardSize: Int, canReshard: Bool = false) -> (from: Int, to: Int)? {
        maxOrdinal = map.maxOrdinal
        var projected: Int {
            switch schema {
            case .object:
                let stats = objectStats!
                return stats.bitsPerRecord * (maxOrdinal + 1) / 8 + stats.totalVarLength
            default:
                return gatherCollectionStats(shards: 1).projectedSize(kind: schema.kind, maxOrdinal: maxOrdinal)
            }
        }
        if case .object(let s) = schema { objectStats = gatherObjectStats(s) }
        var resharded: (from: Int, to: Int)?
        if numShards == -1 {
            numShards = Self.shards(projected, targetMaxTypeShardSize)
            revNumShards = numShards
        } else {
            revNumShards = numShards
            if canReshard {
                let target = Self.shards(projected, targetMaxTypeShardSize)
                if target != numShards {
                    numShards = target > numShards ? numShards * 2 : numShards / 2
                    resharded = (revNumShards, numShards)
                }
            }
        }
        if case .object = schema {} else {
            collectionStats = gatherCollectionStats(shards: numShards)
            revCollectionStats = revNumShards == numShards ? nil : gatherCollectionStats(shards: revNumShards)
        }
        maxShardOrdinal = Self.calcMaxShardOrdinal(maxOrdinal, numShards)
        revMaxShardOrdinal = Self.calcMaxShardOrdinal(maxOrdinal, revNumShards)
        return resharded
    }

    private static func shards(_ projected: Int, _ target: Int) -> Int {
        var n = 1
        while target.multipliedReportingOverflow(by: n).partialValue < projected && n < (1 << 20) {
            if target.multipliedReportingOverflow(by: n).overflow { break }
            n *= 2
        }
        return n
    }

    // MARK: Object statistics

    struct ObjectStats {
        var bitsPerField: [Int]
        var bitOffset: [Int]
        var nullValue: [UInt64]
        var bitsPerRecord: Int
        var totalVarLength: Int
        /// Per field: bytes of the STRING/BYTES values of the records written.
        var varLength: [Int]
    }

    private func gatherObjectStats(_ s: HollowObjectSchema) -> ObjectStats {
        let n = s.fields.count
        var maxBits = Array(repeating: 0, count: n)
        var varTotal = Array(repeating: 0, count: n)
        let types = s.fields.map(\.type)
        data.withUnsafeBufferPointer { d in
            for o in 0...max(0, maxOrdinal) where o <= maxOrdinal && (current.contains(o) || previous.contains(o)) {
                var p = recordRange(o).lowerBound
                for f in 0..<n {
                    switch types[f] {
                    case .boolean:
                        maxBits[f] = max(maxBits[f], 2); p += 1
                    case .float:
                        maxBits[f] = max(maxBits[f], 32); p += 4
                    case .double:
                        maxBits[f] = max(maxBits[f], 64); p += 8
                    case .int, .long, .reference:
                        if d[p] == 0x80 {
                            maxBits[f] = max(maxBits[f], 1); p += 1
                        } else {
                            let v = readVar(d, &p)
                            maxBits[f] = max(maxBits[f], bitLength(v &+ 1))
                        }
                    case .string, .bytes:
                        if d[p] == 0x80 {
                            p += 1
                        } else {
                            let len = Int(readVar(d, &p))
                            varTotal[f] += len
                            p += len
                        }
                    }
                }
            }
        }
        var offsets = Array(repeating: 0, count: n)
        var nulls = Array(repeating: UInt64(0), count: n)
        var total = 0
        for f in 0..<n {
            if types[f] == .string || types[f] == .bytes { maxBits[f] = bitLength(UInt64(varTotal[f]) + 1) + 1 }
            nulls[f] = maxBits[f] == 64 ? ~0 : (1 << UInt64(maxBits[f])) - 1
            offsets[f] = total
            total += maxBits[f]
        }
        return ObjectStats(bitsPerField: maxBits, bitOffset: offsets, nullValue: nulls, bitsPerRecord: total,
                           totalVarLength: varTotal.reduce(0, +), varLength: varTotal)
    }

    // MARK: Collection statistics

    struct CollectionStats {
        var maxElementOrdinal = 0   // list/set elements, map keys
        var maxValueOrdinal = 0     // map values
        var maxSize = 0
        var totals: [Int]           // per shard: list elements or set/map buckets
        var bitsPerElement = 0      // list/set elements, map keys
        var bitsPerValue = 0
        var bitsPerSize = 0
        var bitsPerPointer = 0

        func projectedSize(kind: HollowSchema.Kind, maxOrdinal: Int) -> Int {
            let total = totals.reduce(0, +)
            switch kind {
            case .list:
                return (bitsPerElement * total) / 8 + (bitsPerPointer * maxOrdinal + 1) / 8
            case .set:
                return (bitsPerSize + bitsPerPointer) * (maxOrdinal + 1) / 8 + (bitsPerElement * total) / 8
            case .map:
                return (bitsPerSize + bitsPerPointer) * (maxOrdinal + 1) / 8 + ((bitsPerElement + bitsPerValue) * total) / 8
            case .object:
                return 0
            }
        }
    }

    func gatherCollectionStats(shards: Int) -> CollectionStats {
        var st = CollectionStats(totals: Array(repeating: 0, count: shards))
        let kind = schema.kind
        data.withUnsafeBufferPointer { d in
            guard maxOrdinal >= 0 else { return }
            for o in 0...maxOrdinal where current.contains(o) || previous.contains(o) {
                var p = recordRange(o).lowerBound
                let size = Int(readVar(d, &p))
                st.maxSize = max(st.maxSize, size)
                switch kind {
                case .list:
                    for _ in 0..<size { st.maxElementOrdinal = max(st.maxElementOrdinal, Int(readVar(d, &p))) }
                    st.totals[o & (shards - 1)] += size
                case .set:
                    var e = 0
                    for _ in 0..<size { e += Int(readVar(d, &p)) }
                    st.maxElementOrdinal = max(st.maxElementOrdinal, e)
                    st.totals[o & (shards - 1)] += HollowHashing.hashTableSize(size)
                case .map:
                    var k = 0
                    for _ in 0..<size {
                        k += Int(readVar(d, &p))
                        st.maxElementOrdinal = max(st.maxElementOrdinal, k)
                        st.maxValueOrdinal = max(st.maxValueOrdinal, Int(readVar(d, &p)))
                    }
                    st.totals[o & (shards - 1)] += HollowHashing.hashTableSize(size)
                case .object:
                    break
                }
            }
        }
        let maxShardTotal = st.totals.max() ?? 0
        switch kind {
        case .list:
            st.bitsPerElement = st.maxElementOrdinal == 0 ? 1 : bitLength(UInt64(st.maxElementOrdinal))
            st.bitsPerPointer = maxShardTotal == 0 ? 1 : bitLength(UInt64(maxShardTotal))
        case .set:
            st.bitsPerElement = bitLength(UInt64(st.maxElementOrdinal + 1))
            st.bitsPerSize = bitLength(UInt64(st.maxSize))
            st.bitsPerPointer = bitLength(UInt64(maxShardTotal))
        case .map:
            st.bitsPerElement = bitLength(UInt64(st.maxElementOrdinal + 1))
            st.bitsPerValue = st.maxValueOrdinal == 0 ? 1 : bitLength(UInt64(st.maxValueOrdinal))
            st.bitsPerSize = bitLength(UInt64(st.maxSize))
            st.bitsPerPointer = bitLength(UInt64(maxShardTotal))
        case .object:
            break
        }
        return st
    }
}

@inline(__always)
func memEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
    guard let b else { return n == 0 }
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
