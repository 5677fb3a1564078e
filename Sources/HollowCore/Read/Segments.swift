// Segments hold the records of one shard payload in Hollow's compact layout: the bit-packed fixed-length
// words and var-length byte heaps exactly as the blob carries them (FORMAT.md §6-§8). A snapshot shard is
// one segment indexed by shard ordinal; the added records of a delta shard are one segment indexed by their
// position in the added list. Segments are immutable and shared between read states.

/// The records of one OBJECT shard payload.
@usableFromInline
final class ObjectSegment: Sendable {
    @usableFromInline let recordCount: Int
    let fieldNames: [String]
    let fieldTypes: [HollowFieldType]
    let widths: [Int]
    let offsets: [Int]
    @usableFromInline let bitsPerRecord: Int
    @usableFromInline let fixed: PackedBits
    @usableFromInline let heaps: [[UInt8]]
    /// For each field of the read state's schema, the index of the same field in this segment, or -1.
    let fieldMap: [Int]
    /// For each field of the read state's schema, where this segment keeps it (one load per field read).
    @usableFromInline let slots: [FieldSlot]

    init(
        recordCount: Int, fieldNames: [String], fieldTypes: [HollowFieldType], widths: [Int], fixed: PackedBits,
        heaps: [[UInt8]], fieldMap: [Int]
    ) {
        self.recordCount = recordCount
        self.fieldNames = fieldNames
        self.fieldTypes = fieldTypes
        self.widths = widths
        var offsets: [Int] = []
        var total = 0
        for w in widths {
            offsets.append(total)
            total += w
        }
        self.offsets = offsets
        self.bitsPerRecord = total
        self.fixed = fixed
        self.heaps = heaps
        self.fieldMap = fieldMap
        self.slots = fieldMap.map { own in
            own < 0
                ? FieldSlot(own: -1, type: nil, offset: 0, width: 0)
                : FieldSlot(own: own, type: fieldTypes[own], offset: offsets[own], width: widths[own])
        }
    }

    /// The same data, viewed through another schema's field list (fields matched by name and type).
    func remapped(to schema: HollowObjectSchema) -> ObjectSegment {
        let map = schema.fields.map { f in
            fieldNames.indices.first { fieldNames[$0] == f.name && fieldTypes[$0] == f.type } ?? -1
        }
        return ObjectSegment(
            recordCount: recordCount, fieldNames: fieldNames, fieldTypes: fieldTypes, widths: widths, fixed: fixed,
            heaps: heaps, fieldMap: map)
    }

    /// Reads widths, fixed-length data and heaps for `recordCount` records, validating every length. With
    /// `kept` (the schema's fields a filter keeps), the other fields' heaps are skipped and the fixed-length
    /// data is repacked to the kept fields only.
    static func read(
        from r: inout ByteReader, schema: HollowObjectSchema, recordCount: Int, _ what: String,
        keeping kept: HollowObjectSchema? = nil
    ) throws(BlobDecodingError) -> ObjectSegment {
        let keptNames = kept.map { Set($0.fields.map(\.name)) }
        var widths: [Int] = []
        widths.reserveCapacity(schema.fields.count)
        for f in schema.fields {
            let at = r.offset
            let w = Int(try r.readVarInt("the bit width of \(what).\(f.name)"))
            guard (0...64).contains(w) else {
                throw BlobDecodingError(.invalidValue, "field \(what).\(f.name) has bit width \(w), outside 0...64", offset: at)
            }
            // A REFERENCE holds a Java int ordinal, or all ones for null: more than 32 bits is never written, and a
            // wider value would not be an ordinal (found by the delta fuzz target: reading one trapped).
            guard f.type != .reference || w <= 32 else {
                throw BlobDecodingError(
                    .invalidValue, "reference field \(what).\(f.name) has bit width \(w), outside 0...32", offset: at)
            }
            widths.append(w)
        }
        let bitsPerRecord = widths.reduce(0, +)
        let fixedAt = r.offset
        let fixed = try PackedBits.read(from: &r, "the fixed-length data of \(what)")
        guard let needed = checkedBits(recordCount, bitsPerRecord), needed <= fixed.bitCapacity else {
            throw BlobDecodingError(
                .invalidValue,
                "the fixed-length data of \(what) has \(fixed.words.count) words, too few for \(recordCount) records of \(bitsPerRecord) bits",
                offset: fixedAt)
        }
        var heaps: [[UInt8]] = []
        heaps.reserveCapacity(schema.fields.count)
        for f in schema.fields {
            let n = try r.readCount("the var-length byte count of \(what).\(f.name)", limit: Int.max >> 8)
            if let keptNames, !keptNames.contains(f.name) {
                try r.skip(n, "the var-length data of \(what).\(f.name)")
                heaps.append([])
            } else {
                heaps.append(try r.readByteArray(n, "the var-length data of \(what).\(f.name)"))
            }
        }
        let segment = ObjectSegment(
            recordCount: recordCount, fieldNames: schema.fields.map(\.name), fieldTypes: schema.fields.map(\.type),
            widths: widths, fixed: fixed, heaps: heaps, fieldMap: Array(schema.fields.indices))
        // Var-length end offsets must ascend and stay inside their heap.
        for (i, f) in schema.fields.enumerated()
        where (f.type == .string || f.type == .bytes) && widths[i] > 0 && keptNames?.contains(f.name) ?? true {
            let mask = ~(UInt64(1) << UInt64(widths[i] - 1))
            let heapSize = UInt64(heaps[i].count)
            var previous: UInt64 = 0
            var bit = segment.offsets[i]
            for record in 0..<recordCount {
                let end = fixed.get(bit, widths[i]) & mask
                guard end >= previous, end <= heapSize else {
                    throw BlobDecodingError(
                        .invalidValue,
                        "\(what).\(f.name) of record \(record) ends at byte \(end), outside \(previous)...\(heapSize) of its heap",
                        offset: fixedAt)
                }
                previous = end
                bit &+= bitsPerRecord
            }
        }
        guard let kept else { return segment }
        return segment.repacked(keeping: kept)
    }

    /// This segment with only the fields of `kept` (a filtered schema), their fixed-length bits packed anew.
    func repacked(keeping kept: HollowObjectSchema) -> ObjectSegment {
        let own = kept.fields.map { f in fieldNames.firstIndex(of: f.name) ?? -1 }
        let keptWidths = own.map { $0 < 0 ? 0 : widths[$0] }
        let keptBits = keptWidths.reduce(0, +)
        var packed = PackedBits(bitCount: recordCount * keptBits)
        var out = 0
        for record in 0..<recordCount {
            for (j, i) in own.enumerated() where i >= 0 {
                packed.orIn(out, keptWidths[j], raw(record, i))
                out &+= keptWidths[j]
            }
            // Fields missing from this segment take no bits.
        }
        return ObjectSegment(
            recordCount: recordCount, fieldNames: kept.fields.map(\.name), fieldTypes: kept.fields.map(\.type),
            widths: keptWidths, fixed: packed, heaps: own.map { $0 < 0 ? [] : heaps[$0] },
            fieldMap: Array(kept.fields.indices))
    }

    /// The raw fixed-length bits of field `own` (this segment's field index) of record `index`.
    @inline(__always)
    func raw(_ index: Int, _ own: Int) -> UInt64 {
        fixed.get(index &* bitsPerRecord &+ offsets[own], widths[own])
    }

    /// True if field `own` of record `index` holds null (Java `HollowObjectTypeReadState.isNull`).
    func isNull(_ index: Int, _ own: Int) -> Bool {
        let w = widths[own]
        let v = raw(index, own)
        switch fieldTypes[own] {
        case .int, .long, .reference, .boolean: return v == allOnes(w)
        case .float: return v == 0x7FC0_0001
        case .double: return v == 0x7FF8_0000_0000_0001
        case .string, .bytes: return w > 0 && v & (UInt64(1) << UInt64(w - 1)) != 0
        }
    }

    /// The heap byte range of var-length field `own` of record `index`, or nil for null.
    func varRange(_ index: Int, _ own: Int) -> Range<Int>? {
        let w = widths[own]
        if w == 0 { return 0..<0 }
        let nullBit = UInt64(1) << UInt64(w - 1)
        let v = raw(index, own)
        if v & nullBit != 0 { return nil }
        let start = index == 0 ? 0 : Int(raw(index - 1, own) & ~nullBit)
        return start..<Int(v)
    }

    var byteSize: Int { fixed.words.count * 8 + heaps.reduce(0) { $0 + $1.count } }
}

/// Where one field of a read state's schema lies in an ``ObjectSegment``: its position in the segment, type,
/// bit offset in a record and width (`type` nil: the segment lacks the field).
@usableFromInline
struct FieldSlot: Sendable {
    /// The field's index in the segment, or -1.
    @usableFromInline let own: Int
    @usableFromInline let type: HollowFieldType?
    @usableFromInline let offset: Int
    @usableFromInline let width: Int
    /// ``allOnes(_:)`` of `width`: the null value of INT, LONG, BOOLEAN and REFERENCE fields.
    @usableFromInline let mask: UInt64

    init(own: Int, type: HollowFieldType?, offset: Int, width: Int) {
        self.own = own
        self.type = type
        self.offset = offset
        self.width = width
        self.mask = allOnes(width)
    }
}

/// The records of one LIST shard payload.
final class ListSegment: Sendable {
    let recordCount: Int
    let bitsPerPointer: Int
    let bitsPerElement: Int
    let totalElements: Int
    let pointers: PackedBits
    let elements: PackedBits

    init(recordCount: Int, bitsPerPointer: Int, bitsPerElement: Int, totalElements: Int, pointers: PackedBits, elements: PackedBits) {
        self.recordCount = recordCount
        self.bitsPerPointer = bitsPerPointer
        self.bitsPerElement = bitsPerElement
        self.totalElements = totalElements
        self.pointers = pointers
        self.elements = elements
    }

    static func read(from r: inout ByteReader, recordCount: Int, _ what: String) throws(BlobDecodingError) -> ListSegment {
        let bitsPerPointer = try readWidth(&r, "the list pointer width of \(what)")
        let bitsPerElement = try readWidth(&r, "the element width of \(what)")
        let total = try r.readCount("the element count of \(what)", limit: Int(Int64.max >> 8))
        let at = r.offset
        let pointers = try PackedBits.read(from: &r, "the list pointers of \(what)")
        let elements = try PackedBits.read(from: &r, "the list elements of \(what)")
        guard let pointerBits = checkedBits(recordCount, bitsPerPointer), pointerBits <= pointers.bitCapacity else {
            throw BlobDecodingError(.invalidValue, "the list pointers of \(what) are too short for \(recordCount) lists", offset: at)
        }
        let last = try validatePointers(pointers, count: recordCount, width: bitsPerPointer, stride: bitsPerPointer, limit: total, what, at)
        guard last == 0 || bitsPerElement > 0, let elementBits = checkedBits(last, bitsPerElement), elementBits <= elements.bitCapacity else {
            throw BlobDecodingError(.invalidValue, "the element array of \(what) is too short for \(last) elements", offset: at)
        }
        return ListSegment(
            recordCount: recordCount, bitsPerPointer: bitsPerPointer, bitsPerElement: bitsPerElement, totalElements: total,
            pointers: pointers, elements: elements)
    }

    @inline(__always)
    func range(_ index: Int) -> Range<Int> {
        let end = Int(pointers.get(index &* bitsPerPointer, bitsPerPointer))
        let start = index == 0 ? 0 : Int(pointers.get((index &- 1) &* bitsPerPointer, bitsPerPointer))
        return start..<end
    }

    @inline(__always)
    func element(_ position: Int) -> Int { Int(elements.get(position &* bitsPerElement, bitsPerElement)) }

    var byteSize: Int { (pointers.words.count + elements.words.count) * 8 }
}

/// The records of one SET shard payload (open-addressing hash tables of element ordinals).
final class SetSegment: Sendable {
    let recordCount: Int
    let bitsPerPointer: Int
    let bitsPerSize: Int
    let bitsPerElement: Int
    let totalBuckets: Int
    let pointers: PackedBits
    let buckets: PackedBits

    init(recordCount: Int, bitsPerPointer: Int, bitsPerSize: Int, bitsPerElement: Int, totalBuckets: Int, pointers: PackedBits, buckets: PackedBits) {
        self.recordCount = recordCount
        self.bitsPerPointer = bitsPerPointer
        self.bitsPerSize = bitsPerSize
        self.bitsPerElement = bitsPerElement
        self.totalBuckets = totalBuckets
        self.pointers = pointers
        self.buckets = buckets
    }

    static func read(from r: inout ByteReader, recordCount: Int, _ what: String) throws(BlobDecodingError) -> SetSegment {
        let bitsPerPointer = try readWidth(&r, "the set pointer width of \(what)")
        let bitsPerSize = try readWidth(&r, "the set size width of \(what)")
        let bitsPerElement = try readWidth(&r, "the element width of \(what)")
        let total = try r.readCount("the bucket count of \(what)", limit: Int(Int64.max >> 8))
        let at = r.offset
        let pointers = try PackedBits.read(from: &r, "the set pointers of \(what)")
        let buckets = try PackedBits.read(from: &r, "the set buckets of \(what)")
        let entry = bitsPerPointer + bitsPerSize
        guard let pointerBits = checkedBits(recordCount, entry), pointerBits <= pointers.bitCapacity else {
            throw BlobDecodingError(.invalidValue, "the set pointers of \(what) are too short for \(recordCount) sets", offset: at)
        }
        let last = try validatePointers(pointers, count: recordCount, width: bitsPerPointer, stride: entry, limit: total, what, at)
        guard last == 0 || bitsPerElement > 0, let bucketBits = checkedBits(last, bitsPerElement), bucketBits <= buckets.bitCapacity else {
            throw BlobDecodingError(.invalidValue, "the bucket array of \(what) is too short for \(last) buckets", offset: at)
        }
        let segment = SetSegment(
            recordCount: recordCount, bitsPerPointer: bitsPerPointer, bitsPerSize: bitsPerSize, bitsPerElement: bitsPerElement,
            totalBuckets: total, pointers: pointers, buckets: buckets)
        if bitsPerSize > 0 {
            for i in 0..<recordCount where segment.size(i) > segment.range(i).count {
                throw BlobDecodingError(.invalidValue, "set \(i) of \(what) has more elements than buckets", offset: at)
            }
        }
        return segment
    }

    @inline(__always)
    func range(_ index: Int) -> Range<Int> {
        let stride = bitsPerPointer &+ bitsPerSize
        let end = Int(pointers.get(index &* stride, bitsPerPointer))
        let start = index == 0 ? 0 : Int(pointers.get((index &- 1) &* stride, bitsPerPointer))
        return start..<end
    }

    @inline(__always)
    func size(_ index: Int) -> Int {
        Int(pointers.get(index &* (bitsPerPointer &+ bitsPerSize) &+ bitsPerPointer, bitsPerSize))
    }

    /// The element in `bucket`, or nil when the bucket is empty.
    @inline(__always)
    func element(_ bucket: Int) -> Int? {
        let v = buckets.get(bucket &* bitsPerElement, bitsPerElement)
        return v == allOnes(bitsPerElement) ? nil : Int(v)
    }

    var byteSize: Int { (pointers.words.count + buckets.words.count) * 8 }
}

/// The records of one MAP shard payload (open-addressing hash tables of key/value ordinal pairs).
final class MapSegment: Sendable {
    let recordCount: Int
    let bitsPerPointer: Int
    let bitsPerSize: Int
    let bitsPerKey: Int
    let bitsPerValue: Int
    let totalBuckets: Int
    let pointers: PackedBits
    let buckets: PackedBits

    init(
        recordCount: Int, bitsPerPointer: Int, bitsPerSize: Int, bitsPerKey: Int, bitsPerValue: Int, totalBuckets: Int,
        pointers: PackedBits, buckets: PackedBits
    ) {
        self.recordCount = recordCount
        self.bitsPerPointer = bitsPerPointer
        self.bitsPerSize = bitsPerSize
        self.bitsPerKey = bitsPerKey
        self.bitsPerValue = bitsPerValue
        self.totalBuckets = totalBuckets
        self.pointers = pointers
        self.buckets = buckets
    }

    static func read(from r: inout ByteReader, recordCount: Int, _ what: String) throws(BlobDecodingError) -> MapSegment {
        let bitsPerPointer = try readWidth(&r, "the map pointer width of \(what)")
        let bitsPerSize = try readWidth(&r, "the map size width of \(what)")
        let bitsPerKey = try readWidth(&r, "the key width of \(what)")
        let bitsPerValue = try readWidth(&r, "the value width of \(what)")
        let total = try r.readCount("the bucket count of \(what)", limit: Int(Int64.max >> 8))
        let at = r.offset
        let pointers = try PackedBits.read(from: &r, "the map pointers of \(what)")
        let buckets = try PackedBits.read(from: &r, "the map buckets of \(what)")
        let entry = bitsPerPointer + bitsPerSize
        guard let pointerBits = checkedBits(recordCount, entry), pointerBits <= pointers.bitCapacity else {
            throw BlobDecodingError(.invalidValue, "the map pointers of \(what) are too short for \(recordCount) maps", offset: at)
        }
        let last = try validatePointers(pointers, count: recordCount, width: bitsPerPointer, stride: entry, limit: total, what, at)
        guard last == 0 || bitsPerKey > 0, let bucketBits = checkedBits(last, bitsPerKey + bitsPerValue),
            bucketBits <= buckets.bitCapacity
        else {
            throw BlobDecodingError(.invalidValue, "the bucket array of \(what) is too short for \(last) buckets", offset: at)
        }
        let segment = MapSegment(
            recordCount: recordCount, bitsPerPointer: bitsPerPointer, bitsPerSize: bitsPerSize, bitsPerKey: bitsPerKey,
            bitsPerValue: bitsPerValue, totalBuckets: total, pointers: pointers, buckets: buckets)
        if bitsPerSize > 0 {
            for i in 0..<recordCount where segment.size(i) > segment.range(i).count {
                throw BlobDecodingError(.invalidValue, "map \(i) of \(what) has more entries than buckets", offset: at)
            }
        }
        return segment
    }

    @inline(__always)
    func range(_ index: Int) -> Range<Int> {
        let stride = bitsPerPointer &+ bitsPerSize
        let end = Int(pointers.get(index &* stride, bitsPerPointer))
        let start = index == 0 ? 0 : Int(pointers.get((index &- 1) &* stride, bitsPerPointer))
        return start..<end
    }

    @inline(__always)
    func size(_ index: Int) -> Int {
        Int(pointers.get(index &* (bitsPerPointer &+ bitsPerSize) &+ bitsPerPointer, bitsPerSize))
    }

    /// The (key, value) in `bucket`, or nil when the bucket is empty.
    @inline(__always)
    func entry(_ bucket: Int) -> (key: Int, value: Int)? {
        let bit = bucket &* (bitsPerKey &+ bitsPerValue)
        let k = buckets.get(bit, bitsPerKey)
        if k == allOnes(bitsPerKey) { return nil }
        return (Int(k), Int(buckets.get(bit &+ bitsPerKey, bitsPerValue)))
    }

    var byteSize: Int { (pointers.words.count + buckets.words.count) * 8 }
}

// MARK: - Shared validation

private func readWidth(_ r: inout ByteReader, _ what: @autoclosure () -> String) throws(BlobDecodingError) -> Int {
    let at = r.offset
    let w = Int(try r.readVarInt(what()))
    guard (0...64).contains(w) else {
        throw BlobDecodingError(.invalidValue, "\(what()) is \(w), outside 0...64", offset: at)
    }
    return w
}

/// Checks that cumulative end pointers ascend and stay within `limit`; returns the last one.
private func validatePointers(
    _ bits: PackedBits, count: Int, width: Int, stride: Int, limit: Int, _ what: String, _ at: Int
) throws(BlobDecodingError) -> Int {
    if width == 0 || count == 0 { return 0 }
    var previous: UInt64 = 0
    var bit = 0
    let max = UInt64(limit)
    for i in 0..<count {
        let end = bits.get(bit, width)
        guard end >= previous, end <= max else {
            throw BlobDecodingError(
                .invalidValue, "record \(i) of \(what) ends at \(end), outside \(previous)...\(limit)", offset: at)
        }
        previous = end
        bit &+= stride
    }
    return Int(previous)
}
