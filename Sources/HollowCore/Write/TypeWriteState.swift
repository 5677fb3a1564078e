/// The write state of one type: its records deduplicated into ordinals (the "ordinal map"), the populated
/// ordinals of the previous and the current cycle, and the per-kind statistics and blob sections.
final class TypeWriteState {
    let schema: HollowSchema
    /// Shard count; -1 until chosen at the first write.
    var numShards: Int
    let isNumShardsPinned: Bool
    var revNumShards = 0

    // Ordinal map: serialized records (FORMAT.md §9.1, without set/map bucket hints) by ordinal, in one
    // contiguous byte pool, and an open-addressing table over them.
    private(set) var data: [UInt8] = []
    /// Where each ordinal's record is in `data` (start -1: no record).
    private var spans: [RecordSpan] = []
    /// Each ordinal's record hash (kept for rebuilding the table without rehashing).
    private var recHash: [UInt64] = []
    /// Linear-probing table of two words per slot. Word 0: 0 for an empty slot, else the upper 32 bits of
    /// the record's hash and `ordinal + 1` in the lower 32 bits, so most mismatching slots are rejected
    /// without touching the record; word 1: the record's start in `data` and its length (see `location`),
    /// so a match is checked without a lookup in `spans`. The probe is bound by cache misses.
    private var table: [UInt64] = Array(repeating: 0, count: 2 * 256)
    private var tableCount = 0
    /// Free ordinals, descending (so `popLast` hands out the smallest).
    private var free: [Int] = []
    private var nextOrdinal = 0

    struct RecordSpan {
        var start: Int
        var length: Int
    }

    var current = WriteBitSet()
    var previous = WriteBitSet()

    // Set by prepareForWrite.
    var maxOrdinal = -1
    var maxShardOrdinal: [Int] = []
    var revMaxShardOrdinal: [Int] = []
    var objectStats: ObjectStats?
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

    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        let raw = UnsafeRawBufferPointer(bytes)
        while i + 8 <= n {
            let k = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ k) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var s: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << s
            s += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 32
        return h
    }

    @inline(__always)
    private static func slot(_ h: UInt64, _ ordinal: Int) -> UInt64 {
        (h & 0xFFFF_FFFF_0000_0000) | UInt64(ordinal + 1)
    }

    /// Lengths from this value on are looked up in `spans`.
    private static let longRecord = 0xFF_FFFF

    /// Word 1 of a slot: start << 24 | min(length, `longRecord`).
    @inline(__always)
    private static func location(_ span: RecordSpan) -> UInt64 {
        UInt64(span.start) << 24 | UInt64(min(span.length, longRecord))
    }

    /// The ordinal of `bytes` (an existing identical record's, or a new one), marked populated in this cycle.
    func add(_ bytes: [UInt8]) -> Int {
        let ordinal = bytes.withUnsafeBufferPointer { buf -> Int in
            let h = Self.hash(buf)
            // One exclusivity check per table, not per probe: the probe runs over unsafe views.
            let found = table.withUnsafeBufferPointer { t in
                spans.withUnsafeBufferPointer { sp in
                    data.withUnsafeBufferPointer { d in Self.probe(t, sp, d, buf, h) }
                }
            }
            if found >= 0 { return found }
            let b = ~found
            let o = free.popLast() ?? { nextOrdinal += 1; return nextOrdinal - 1 }()
            store(o, buf, h)
            table[2 &* b] = Self.slot(h, o)
            table[2 &* b &+ 1] = Self.location(spans[o])
            tableCount += 1
            if tableCount * 20 > table.count * 7 { rebuildTable(capacity: table.count) }
            return o
        }
        current.insert(ordinal)
        return ordinal
    }

    /// The ordinal of the record equal to `buf` (hash `h`), or `~bucket` of the empty slot that ends its probe.
    @inline(__always)
    private static func probe(_ t: UnsafeBufferPointer<UInt64>, _ sp: UnsafeBufferPointer<RecordSpan>,
                              _ d: UnsafeBufferPointer<UInt8>, _ buf: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> Int {
        let mask = t.count / 2 - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        let n = buf.count
        var b = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = t[2 &* b]
            if e == 0 { return ~b }
            if e & 0xFFFF_FFFF_0000_0000 == tag {
                let o = Int(e & 0xFFFF_FFFF) - 1
                let loc = t[2 &* b &+ 1]
                var length = Int(loc & 0xFF_FFFF)
                if length == longRecord { length = sp[o].length }
                if length == n && memEqual(d.baseAddress! + Int(loc >> 24), buf.baseAddress, n) { return o }
            }
            b = (b + 1) & mask
        }
    }

    /// Puts a record at a given ordinal (restore). The ordinal must be free.
    func put(_ bytes: [UInt8], at ordinal: Int) {
        bytes.withUnsafeBufferPointer { buf in
            let h = Self.hash(buf)
            store(ordinal, buf, h)
            let mask = table.count / 2 - 1
            var b = Int(truncatingIfNeeded: h) & mask
            while table[2 * b] != 0 { b = (b + 1) & mask }
            table[2 * b] = Self.slot(h, ordinal)
            table[2 * b + 1] = Self.location(spans[ordinal])
            tableCount += 1
            if tableCount * 20 > table.count * 7 { rebuildTable(capacity: table.count) }
        }
        if ordinal >= nextOrdinal { nextOrdinal = ordinal + 1 }
    }

    /// After restoring: every ordinal below the highest one that holds no record is free.
    func recalculateFreeOrdinals() {
        free = []
        var o = nextOrdinal - 1
        while o >= 0 {
            if o >= spans.count || spans[o].start < 0 { free.append(o) }
            o -= 1
        }
    }

    private func store(_ o: Int, _ buf: UnsafeBufferPointer<UInt8>, _ h: UInt64) {
        let span = RecordSpan(start: data.count, length: buf.count)
        if o == spans.count {
            spans.append(span)
            recHash.append(h)
        } else {
            if o > spans.count {
                let add = o - spans.count + 1
                spans.append(contentsOf: repeatElement(RecordSpan(start: -1, length: 0), count: add))
                recHash.append(contentsOf: repeatElement(0, count: add))
            }
            spans[o] = span
            recHash[o] = h
        }
        data.append(contentsOf: buf)
    }

    private func rebuildTable(capacity: Int) {
        var cap = 256
        while cap < capacity { cap <<= 1 }
        var newTable = [UInt64](repeating: 0, count: 2 * cap)
        let mask = cap - 1
        var count = 0
        newTable.withUnsafeMutableBufferPointer { t in
            spans.withUnsafeBufferPointer { sp in
                recHash.withUnsafeBufferPointer { hs in
                    for o in 0..<sp.count where sp[o].start >= 0 {
                        let h = hs[o]
                        var b = Int(truncatingIfNeeded: h) & mask
                        while t[2 * b] != 0 { b = (b + 1) & mask }
                        t[2 * b] = Self.slot(h, o)
                        t[2 * b + 1] = Self.location(sp[o])
                        count += 1
                    }
                }
            }
        }
        table = newTable
        tableCount = count
    }

    /// True if an ordinal holds a record (of the previous or the current cycle).
    @inline(__always)
    func hasRecord(_ o: Int) -> Bool { o >= 0 && o < spans.count && spans[o].start >= 0 }

    /// Byte range of an ordinal's record in `data`.
    @inline(__always)
    func recordRange(_ o: Int) -> Range<Int> { spans[o].start..<(spans[o].start + spans[o].length) }

    /// `prepareForNextCycle`: drop records not in the state just written, free their ordinals, swap cycles.
    func prepareForNextCycle() {
        var newData: [UInt8] = []
        newData.reserveCapacity(data.count)
        for o in 0..<spans.count where spans[o].start >= 0 {
            if current.contains(o) {
                let r = recordRange(o)
                spans[o].start = newData.count
                newData.append(contentsOf: data[r])
            } else {
                spans[o].start = -1
                free.append(o)
            }
        }
        data = newData
        free.sort(by: >)
        rebuildTable(capacity: max(256, (current.count * 10) / 7 + 1))
        previous = current
        current = WriteBitSet()
        objectStats = nil
        collectionStats = nil
    }

    var hasChangedSinceLastCycle: Bool {
        current != previous || (numShards != revNumShards && revNumShards != 0)
    }

    // MARK: Write preparation

    static func calcMaxShardOrdinal(_ maxOrdinal: Int, _ numShards: Int) -> [Int] {
        let minPer = (maxOrdinal + 1) / numShards
        return (0..<numShards).map { i in i < ((maxOrdinal + 1) & (numShards - 1)) ? minPer : minPer - 1 }
    }

    func prepareForWrite(targetMaxTypeShardSize: Int) {
        maxOrdinal = spans.count - 1
        while maxOrdinal >= 0 && spans[maxOrdinal].start < 0 { maxOrdinal -= 1 }
        switch schema {
        case .object(let s):
            let stats = gatherObjectStats(s)
            objectStats = stats
            if numShards == -1 {
                let projected = stats.bitsPerRecord * (maxOrdinal + 1) / 8 + stats.totalVarLength
                numShards = Self.shards(projected, targetMaxTypeShardSize)
            }
        default:
            if numShards == -1 {
                let stats = gatherCollectionStats(shards: 1)
                numShards = Self.shards(stats.projectedSize(kind: schema.kind, maxOrdinal: maxOrdinal), targetMaxTypeShardSize)
            }
            collectionStats = gatherCollectionStats(shards: numShards)
        }
        revNumShards = numShards  // no type resharding: the previous state used the same count
        maxShardOrdinal = Self.calcMaxShardOrdinal(maxOrdinal, numShards)
        revMaxShardOrdinal = Self.calcMaxShardOrdinal(maxOrdinal, revNumShards)
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
    }

    private func gatherObjectStats(_ s: HollowObjectSchema) -> ObjectStats {
        let n = s.fields.count
        var maxBits = Array(repeating: 0, count: n)
        var varTotal = Array(repeating: 0, count: n)
        let types = s.fields.map(\.type)
        data.withUnsafeBufferPointer { d in
            for o in 0...max(0, maxOrdinal) where o <= maxOrdinal && (current.contains(o) || previous.contains(o)) {
                var p = spans[o].start
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
                           totalVarLength: varTotal.reduce(0, +))
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
                var p = spans[o].start
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
