// The content checksum of a read state (the producer's integrity check, `hollow inspect`).
//
// It reads the records straight from their segments (one segment lookup per record, raw fixed-length values,
// var-length fields as their heap bytes) instead of through the typed read API, and it is cut into slices
// (a type's header, then runs of `checksumSliceOrdinals` ordinals) whose hashes are combined in order, so
// the slices can be hashed on several cores and the result does not depend on how many there were.

extension ReadState {
    /// Ordinals per checksum slice.
    static let checksumSliceOrdinals = 1 << 15

    /// A checksum of the state's content (randomized tag, header tags, each type's schema, every populated
    /// ordinal with its field values, list elements, set elements and map entries; sets and maps sorted),
    /// independent of how the state was reached: a snapshot load and a delta chain to the same state give the
    /// same value. Field values are hashed in a form that does not depend on the blob's bit widths.
    ///
    /// - Complexity: O(records + elements), on the calling thread. ``contentChecksums(_:)`` spreads the work
    ///   of several states over the cooperative thread pool.
    public func contentChecksum() -> UInt64 {
        let slices = checksumSlices()
        return combineChecksum(slices.map { hashSlice($0) })
    }

    /// The content checksums (``contentChecksum()``) of `states`, with the slices of all of them hashed in
    /// parallel child tasks (Java's `HollowChecksum` hashes types in parallel too).
    public static func contentChecksums(_ states: [ReadState]) async -> [UInt64] {
        let work = states.map { $0.checksumSlices() }
        let hashes = await withTaskGroup(of: (Int, Int, UInt64).self) { group in
            for (s, slices) in work.enumerated() {
                for (i, slice) in slices.enumerated() {
                    let state = states[s]
                    group.addTask { (s, i, state.hashSlice(slice)) }
                }
            }
            var out = work.map { [UInt64](repeating: 0, count: $0.count) }
            for await (s, i, h) in group { out[s][i] = h }
            return out
        }
        return states.indices.map { states[$0].combineChecksum(hashes[$0]) }
    }

    /// One unit of checksum work: the header of a type (name, schema) or a run of its ordinals.
    struct ChecksumSlice: Sendable {
        var type: TypeState
        /// nil: the type's name and schema.
        var ordinals: Range<Int>?
    }

    func checksumSlices() -> [ChecksumSlice] {
        var out: [ChecksumSlice] = []
        for name in typeNames {
            guard let t = types[name] else { continue }
            out.append(ChecksumSlice(type: t, ordinals: nil))
            let end = OrdinalBits.highest(t.populated) + 1
            var start = 0
            while start < end {
                let upper = min(end, start + Self.checksumSliceOrdinals)
                out.append(ChecksumSlice(type: t, ordinals: start..<upper))
                start = upper
            }
        }
        return out
    }

    func combineChecksum(_ sliceHashes: [UInt64]) -> UInt64 {
        var h = ChecksumHasher()
        h.mix(UInt64(bitPattern: randomizedTag))
        for key in headerTags.keys.sorted() {
            h.mix(key)
            h.mix(headerTags[key] ?? "")
        }
        for s in sliceHashes { h.mix(s) }
        return h.finish()
    }

    func hashSlice(_ slice: ChecksumSlice) -> UInt64 {
        var h = ChecksumHasher()
        let t = slice.type
        guard let range = slice.ordinals else {
            h.mix(t.name)
            var w = ByteWriter()
            t.schema.write(to: &w)
            h.mix(bytes: w.bytes)
            return h.finish()
        }
        switch (t.storage, t.schema) {
        case (.object(let layers), .object(let schema)):
            let types = schema.fields.map(\.type)
            t.forEachPopulated(in: range) { o in
                h.mix(UInt64(o))
                guard let (s, i) = layers.locate(o, count: { $0.recordCount }) else {
                    for ft in types { h.mixNull(ft) }
                    return
                }
                s.mixRecord(i, types, into: &h)
            }
        case (.list(let layers), _):
            t.forEachPopulated(in: range) { o in
                h.mix(UInt64(o))
                guard let (s, i) = layers.locate(o, count: { $0.recordCount }) else { return h.mix(0) }
                let r = s.range(i)
                h.mix(UInt64(r.count))
                for p in r { h.mix(UInt64(s.element(p))) }
            }
        case (.set(let layers), _):
            var elements: [Int] = []
            t.forEachPopulated(in: range) { o in
                h.mix(UInt64(o))
                elements.removeAll(keepingCapacity: true)
                if let (s, i) = layers.locate(o, count: { $0.recordCount }) {
                    for b in s.range(i) { if let e = s.element(b) { elements.append(e) } }
                }
                elements.sort()
                h.mix(UInt64(elements.count))
                for e in elements { h.mix(UInt64(e)) }
            }
        case (.map(let layers), _):
            var entries: [(key: Int, value: Int)] = []
            t.forEachPopulated(in: range) { o in
                h.mix(UInt64(o))
                entries.removeAll(keepingCapacity: true)
                if let (s, i) = layers.locate(o, count: { $0.recordCount }) {
                    for b in s.range(i) { if let e = s.entry(b) { entries.append(e) } }
                }
                entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.value < $1.value }
                h.mix(UInt64(entries.count))
                for e in entries {
                    h.mix(UInt64(e.key))
                    h.mix(UInt64(e.value))
                }
            }
        default:
            break
        }
        return h.finish()
    }
}

extension TypeState {
    /// Calls `body` with each populated ordinal in `range`, ascending.
    @inline(__always)
    func forEachPopulated(in range: Range<Int>, _ body: (Int) -> Void) {
        populated.withUnsafeBufferPointer { words in
            var w = range.lowerBound >> 6
            let lastWord = min(words.count, (range.upperBound + 63) >> 6)
            while w < lastWord {
                var bits = words[w]
                while bits != 0 {
                    let o = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    if o >= range.lowerBound && o < range.upperBound { body(o) }
                }
                w += 1
            }
        }
    }
}

extension ObjectSegment {
    /// Mixes the fields of record `index`, in the read state's schema order (`types`), into `h`: a tag and
    /// the value for each non-null field (integers as their zig-zag value, floats as their bits, strings and
    /// bytes as their heap bytes), a null tag otherwise.
    @inline(__always)
    func mixRecord(_ index: Int, _ types: [HollowFieldType], into h: inout ChecksumHasher) {
        let base = index &* bitsPerRecord
        for fi in types.indices {
            let own = fieldMap[fi]
            let ft = types[fi]
            guard own >= 0 else {
                h.mixNull(ft)
                continue
            }
            let w = widths[own]
            let v = fixed.get(base &+ offsets[own], w)
            switch ft {
            case .int, .long, .reference, .boolean:
                if v == allOnes(w) { h.mixNull(ft) } else { h.mix(v, tag: ft.checksumTag) }
            case .float:
                if v == 0x7FC0_0001 { h.mixNull(ft) } else { h.mix(v, tag: ft.checksumTag) }
            case .double:
                if v == 0x7FF8_0000_0000_0001 { h.mixNull(ft) } else { h.mix(v, tag: ft.checksumTag) }
            case .string, .bytes:
                if w == 0 {
                    h.mix(ft.checksumTag)
                    h.mix(raw: UnsafeRawBufferPointer(start: nil, count: 0))
                    continue
                }
                let nullBit = UInt64(1) &<< UInt64(w &- 1)
                if v & nullBit != 0 {
                    h.mixNull(ft)
                    continue
                }
                let start = index == 0 ? 0 : Int(fixed.get(base &- bitsPerRecord &+ offsets[own], w) & ~nullBit)
                h.mix(ft.checksumTag)
                heaps[own].withUnsafeBytes { heap in
                    h.mix(raw: UnsafeRawBufferPointer(rebasing: heap[start..<Int(v)]))
                }
            }
        }
    }
}

extension HollowFieldType {
    /// A tag per value type, so that a null and a value, or two adjacent fields, cannot collide.
    var checksumTag: UInt64 {
        switch self {
        case .int: 1
        case .long: 2
        case .reference: 3
        case .boolean: 4
        case .float: 5
        case .double: 6
        case .string: 7
        case .bytes: 8
        }
    }
}

/// Two independent 64-bit lanes (multiply-xorshift), fed a word at a time.
struct ChecksumHasher {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x8422_2325_cbf2_9ce4

    @inline(__always)
    mutating func mix(_ x: UInt64) {
        a = (a ^ x) &* 0x100_0000_01b3
        a ^= a >> 29
        b = (b &+ x) &* 0x9E37_79B9_7F4A_7C15
        b ^= b >> 32
    }

    @inline(__always)
    mutating func mix(_ x: UInt64, tag: UInt64) {
        mix(tag)
        mix(x)
    }

    @inline(__always)
    mutating func mixNull(_ type: HollowFieldType) { mix(type.checksumTag | 0x8000_0000_0000_0000) }

    mutating func mix(_ s: String) {
        var s = s
        s.withUTF8 { mix(raw: UnsafeRawBufferPointer($0)) }
    }

    mutating func mix(bytes: [UInt8]) {
        bytes.withUnsafeBytes { mix(raw: $0) }
    }

    /// The length, then the bytes eight at a time (the tail zero-padded).
    @inline(__always)
    mutating func mix(raw: UnsafeRawBufferPointer) {
        mix(UInt64(raw.count) | 0x4000_0000_0000_0000)
        var i = 0
        while i + 8 <= raw.count {
            mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < raw.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
            mix(tail)
        }
    }

    func finish() -> UInt64 { a ^ (b &* 0xff51_afd7_ed55_8ccd) }
}
