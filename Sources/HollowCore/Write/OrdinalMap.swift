/// The ordinal map of one type (Java's `ByteArrayOrdinalMap`): serialized records (FORMAT.md §9.1, without
/// set/map bucket hints) by ordinal in one contiguous byte pool, and an open-addressing table over them that
/// finds an identical record's ordinal. A value type so that an add is one exclusive access to its owner's
/// storage, not one per array touched.
struct OrdinalMap {
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

    /// A fast non-cryptographic hash of a serialized record, eight bytes at a time.
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

    /// The ordinal of `buf`: an identical record's, or a new one (the smallest free ordinal, else the next).
    mutating func add(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
        let h = Self.hash(buf)
        let found = table.withUnsafeBufferPointer { t in
            spans.withUnsafeBufferPointer { sp in
                data.withUnsafeBufferPointer { d in Self.probe(t, sp, d, buf, h) }
            }
        }
        if found >= 0 { return found }
        let b = ~found
        let o: Int
        if let reused = free.popLast() {
            o = reused
        } else {
            o = nextOrdinal
            nextOrdinal += 1
        }
        store(o, buf, h)
        table[2 &* b] = Self.slot(h, o)
        table[2 &* b &+ 1] = Self.location(spans[o])
        tableCount += 1
        if tableCount * 20 > table.count * 7 { rebuildTable(capacity: table.count) }
        return o
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
    mutating func put(_ buf: UnsafeBufferPointer<UInt8>, at ordinal: Int) {
        let h = Self.hash(buf)
        store(ordinal, buf, h)
        let mask = table.count / 2 - 1
        var b = Int(truncatingIfNeeded: h) & mask
        while table[2 * b] != 0 { b = (b + 1) & mask }
        table[2 * b] = Self.slot(h, ordinal)
        table[2 * b + 1] = Self.location(spans[ordinal])
        tableCount += 1
        if tableCount * 20 > table.count * 7 { rebuildTable(capacity: table.count) }
        if ordinal >= nextOrdinal { nextOrdinal = ordinal + 1 }
    }

    /// After restoring: every ordinal below the highest one that holds no record is free.
    mutating func recalculateFreeOrdinals() {
        free = []
        var o = nextOrdinal - 1
        while o >= 0 {
            if o >= spans.count || spans[o].start < 0 { free.append(o) }
            o -= 1
        }
    }

    private mutating func store(_ o: Int, _ buf: UnsafeBufferPointer<UInt8>, _ h: UInt64) {
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

    private mutating func rebuildTable(capacity: Int) {
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

    /// The highest ordinal that holds a record, or -1.
    var maxOrdinal: Int {
        var o = spans.count - 1
        while o >= 0 && spans[o].start < 0 { o -= 1 }
        return o
    }

    /// Bytes in `data` of records dropped by ``keepOnly(_:)`` and not compacted away yet.
    private var garbage = 0

    /// Drops the records not in `kept` and frees their ordinals (the smallest is reused first). When nothing
    /// is dropped nothing moves; the bytes of dropped records stay in `data` until they are a quarter of it.
    mutating func keepOnly(_ kept: WriteBitSet) {
        var dropped = 0
        var droppedBytes = 0
        for o in 0..<spans.count where spans[o].start >= 0 && !kept.contains(o) {
            dropped += 1
            droppedBytes += spans[o].length
        }
        guard dropped > 0 else { return }
        if (garbage + droppedBytes) * 4 < data.count {
            for o in 0..<spans.count where spans[o].start >= 0 && !kept.contains(o) {
                spans[o].start = -1
                free.append(o)
            }
            garbage += droppedBytes
        } else {
            var newData: [UInt8] = []
            newData.reserveCapacity(data.count - garbage - droppedBytes)
            for o in 0..<spans.count where spans[o].start >= 0 {
                if kept.contains(o) {
                    let r = recordRange(o)
                    spans[o].start = newData.count
                    newData.append(contentsOf: data[r])
                } else {
                    spans[o].start = -1
                    free.append(o)
                }
            }
            data = newData
            garbage = 0
        }
        free.sort(by: >)
        rebuildTable(capacity: max(256, (kept.count * 10) / 7 + 1))
    }
}
