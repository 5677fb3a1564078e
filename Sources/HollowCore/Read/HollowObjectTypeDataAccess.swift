// Fast field reads for generated APIs: the segments and field maps of one OBJECT type of one read state,
// resolved once, so a read is a few array loads and a bit extraction (no dictionary or enum switch per read).

/// Read access to the records of one OBJECT type of one ``ReadState``, resolved once for fast field reads
/// (Java: `HollowObjectTypeDataAccess`). Generated APIs keep one per type and read every field through it.
///
/// Field indexes are positions in ``schema``. Every accessor returns nil for null, for an unpopulated
/// ordinal's missing data, and for a field the record's blob did not carry (Java's null semantics).
public final class HollowObjectTypeDataAccess: Sendable {
    /// The type's schema (field indexes are positions in it).
    public let schema: HollowObjectSchema
    /// The read state the records belong to.
    public let state: ReadState
    @usableFromInline let base: [ObjectSegment]
    @usableFromInline let shardMask: Int
    @usableFromInline let shardShift: Int
    @usableFromInline let patch: [Int32: UInt64]
    @usableFromInline let patchSegments: [ObjectSegment]
    @usableFromInline let hasPatch: Bool
    /// Bit set of the ordinals held in patch segments, so other ordinals skip the dictionary lookup.
    @usableFromInline let patched: [UInt64]
    let populated: [UInt64]

    /// The access to OBJECT type `type` of `state`, or nil when the state has no such object type.
    public init?(state: ReadState, type: String) {
        guard let t = state.types[type], case .object(let schema) = t.schema, case .object(let layers) = t.storage else {
            return nil
        }
        self.schema = schema
        self.state = state
        self.base = layers.base
        self.shardShift = layers.shardShift
        self.shardMask = (1 << layers.shardShift) - 1
        self.patch = layers.patch
        self.patchSegments = layers.patchSegments
        self.hasPatch = !layers.patch.isEmpty
        self.patched = layers.patched
        self.populated = t.populated
    }

    /// The access to OBJECT type `schema.name` of `state`; a state without that type (or with another kind
    /// under that name) gives an access with no records, so generated APIs read nil instead of failing.
    public convenience init(state: ReadState, expecting schema: HollowObjectSchema) {
        if let t = state.types[schema.name], case .object = t.schema {
            self.init(state: state, type: schema.name)!
        } else {
            self.init(empty: schema, state: state)
        }
    }

    private init(empty schema: HollowObjectSchema, state: ReadState) {
        self.schema = schema
        self.state = state
        self.base = []
        self.shardShift = 0
        self.shardMask = 0
        self.patch = [:]
        self.patchSegments = []
        self.hasPatch = false
        self.patched = []
        self.populated = []
    }

    /// The type name.
    public var name: String { schema.name }

    /// The index of field `name` in ``schema``, or -1 (generated code resolves field indexes once).
    public func fieldIndex(_ name: String) -> Int { schema.fieldIndex(name) ?? -1 }

    /// True if `ordinal` is populated.
    @inline(__always)
    public func isPopulated(_ ordinal: Int) -> Bool { OrdinalBits.contains(populated, ordinal) }

    /// The populated ordinals, ascending.
    public var populatedOrdinals: [Int] { OrdinalBits.ordinals(populated) }

    /// The number of populated ordinals.
    public var populatedCount: Int { OrdinalBits.count(populated) }

    /// Calls `body` with every populated ordinal, ascending.
    public func forEachOrdinal(_ body: (Int) throws -> Void) rethrows { try OrdinalBits.forEach(populated, body) }

    // The fixed-length reads below are @inlinable so that generated APIs, compiled in the consumer's module,
    // inline them: no call, no retain of the access or the segment, one load of the field's slot.

    /// The segment holding `ordinal` and the record's index in it, without retaining the segment (the
    /// access keeps every segment alive).
    @inlinable @inline(__always)
    func locate(_ ordinal: Int) -> (Unmanaged<ObjectSegment>, Int)? {
        if hasPatch, ordinal >= 0, ordinal >> 6 < patched.count, patched[ordinal >> 6] & (UInt64(1) << UInt64(ordinal & 63)) != 0,
            let found = locatePatched(ordinal)
        {
            return found
        }
        let shard = ordinal & shardMask
        guard ordinal >= 0, shard < base.count else { return nil }
        unowned(unsafe) let segment = base[shard]
        let index = ordinal &>> shardShift
        guard index < segment.recordCount else { return nil }
        return (Unmanaged.passUnretained(segment), index)
    }

    /// The patch segment and index of `ordinal`, an ordinal added by a delta: out of line, so the inlined read
    /// path of every field stays small (records added since the snapshot are the exception).
    @usableFromInline @inline(never)
    func locatePatched(_ ordinal: Int) -> (Unmanaged<ObjectSegment>, Int)? {
        guard let p = patch[Int32(truncatingIfNeeded: ordinal)] else { return nil }
        return (Unmanaged.passUnretained(patchSegments[Int(p >> 32)]), Int(p & 0xFFFF_FFFF))
    }

    /// The raw bits of field `field` (a schema position) of record `ordinal` when its type is `type`, with
    /// the field's null value (all ones of its width); nil when the record or the field is missing.
    @inlinable @inline(__always)
    func rawField(_ ordinal: Int, _ field: Int, _ type: HollowFieldType) -> (UInt64, UInt64)? {
        guard let (u, index) = locate(ordinal) else { return nil }
        return u._withUnsafeGuaranteedRef { s -> (UInt64, UInt64)? in
            guard field >= 0, field < s.slots.count else { return nil }
            let slot = s.slots[field]
            guard slot.type == type else { return nil }
            return (s.fixed.get(index &* s.bitsPerRecord &+ slot.offset, slot.width, mask: slot.mask), slot.mask)
        }
    }

    /// The heap bytes of var-length field `field` of record `ordinal` when its type is `type`, passed to
    /// `body` with the record's start and end in them; nil for null or a missing record or field.
    @inlinable @inline(__always)
    func varField<R>(_ ordinal: Int, _ field: Int, _ type: HollowFieldType, _ body: ([UInt8], Int, Int) -> R) -> R? {
        guard let (u, index) = locate(ordinal) else { return nil }
        return u._withUnsafeGuaranteedRef { s -> R? in
            guard field >= 0, field < s.slots.count else { return nil }
            let slot = s.slots[field]
            guard slot.type == type else { return nil }
            let w = slot.width
            if w == 0 { return body([], 0, 0) }
            let nullBit = UInt64(1) &<< UInt64(w &- 1)
            let bit = index &* s.bitsPerRecord &+ slot.offset
            let end = s.fixed.get(bit, w, mask: slot.mask)
            if end & nullBit != 0 { return nil }
            let start = index == 0 ? 0 : Int(s.fixed.get(bit &- s.bitsPerRecord, w, mask: slot.mask) & ~nullBit)
            return body(s.heaps[slot.own], start, Int(end))
        }
    }

    @inline(__always)
    func slot(_ ordinal: Int, _ field: Int) -> (ObjectSegment, Int, Int)? {
        guard let (u, index) = locate(ordinal) else { return nil }
        let segment = u.takeUnretainedValue()
        guard field >= 0, field < segment.fieldMap.count else { return nil }
        let own = segment.fieldMap[field]
        guard own >= 0 else { return nil }
        return (segment, index, own)
    }

    /// True if the field is null.
    public func isNull(_ ordinal: Int, _ field: Int) -> Bool {
        guard let (s, i, f) = slot(ordinal, field) else { return true }
        return s.isNull(i, f)
    }

    /// The INT value of the field, or nil for null.
    @inlinable @inline(__always)
    public func readInt(_ ordinal: Int, _ field: Int) -> Int32? {
        guard let (v, null) = rawField(ordinal, field, .int) else { return nil }
        return v == null ? nil : ZigZag.decode32(v)
    }

    /// The LONG value of the field, or nil for null.
    @inlinable @inline(__always)
    public func readLong(_ ordinal: Int, _ field: Int) -> Int64? {
        guard let (v, null) = rawField(ordinal, field, .long) else { return nil }
        return v == null ? nil : ZigZag.decode64(v)
    }

    /// The FLOAT value of the field, or nil for null.
    @inlinable @inline(__always)
    public func readFloat(_ ordinal: Int, _ field: Int) -> Float? {
        guard let (v, _) = rawField(ordinal, field, .float) else { return nil }
        return v == 0x7FC0_0001 ? nil : Float(bitPattern: UInt32(truncatingIfNeeded: v))
    }

    /// The DOUBLE value of the field, or nil for null.
    @inlinable @inline(__always)
    public func readDouble(_ ordinal: Int, _ field: Int) -> Double? {
        guard let (v, _) = rawField(ordinal, field, .double) else { return nil }
        return v == 0x7FF8_0000_0000_0001 ? nil : Double(bitPattern: v)
    }

    /// The BOOLEAN value of the field, or nil for null.
    @inlinable @inline(__always)
    public func readBoolean(_ ordinal: Int, _ field: Int) -> Bool? {
        guard let (v, null) = rawField(ordinal, field, .boolean) else { return nil }
        return v == null ? nil : v == 1
    }

    /// The ordinal a REFERENCE field points at, or nil for null.
    @inlinable @inline(__always)
    public func readOrdinal(_ ordinal: Int, _ field: Int) -> Int? {
        guard let (v, null) = rawField(ordinal, field, .reference) else { return nil }
        return v == null ? nil : Int(v)
    }

    /// The STRING value of the field, or nil for null.
    @inlinable @inline(__always)
    public func readString(_ ordinal: Int, _ field: Int) -> String? {
        varField(ordinal, field, .string) { heap, start, end in HeapString.string(heap, start, end) }
    }

    /// The BYTES value of the field, or nil for null.
    public func readBytes(_ ordinal: Int, _ field: Int) -> [UInt8]? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .bytes, let r = s.varRange(i, f) else { return nil }
        return Array(s.heaps[f][r])
    }

    /// True if the STRING field equals `value`, compared on the compact encoding without building a `String`
    /// (false for null).
    public func stringEquals(_ ordinal: Int, _ field: Int, _ value: String) -> Bool {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .string, let r = s.varRange(i, f) else {
            return false
        }
        return JavaUTF16.mayHoldEscapes(value)
            ? Self.heapEquals(s.heaps[f], r, JavaUTF16.units(value)) : Self.heapEquals(s.heaps[f], r, value.utf16)
    }

    @inline(__always)
    private static func heapEquals<U: Sequence<UInt16>>(_ heapBytes: [UInt8], _ r: Range<Int>, _ units: U) -> Bool {
        heapBytes.withUnsafeBufferPointer { heap in
            var p = r.lowerBound
            let end = r.upperBound
            for u in units {
                guard p < end else { return false }
                var b = heap[p]
                p &+= 1
                var v = UInt32(b & 0x7F)
                while b & 0x80 != 0 && p < end {
                    b = heap[p]
                    p &+= 1
                    v = (v &<< 7) | UInt32(b & 0x7F)
                }
                if UInt16(truncatingIfNeeded: v) != u { return false }
            }
            return p == end
        }
    }

    /// True if the STRING field holds the same non-null value in records `a` and `b`, compared on the
    /// compact encoding without building `String`s.
    public func sameString(_ a: Int, _ b: Int, _ field: Int) -> Bool {
        guard let (sa, ia, fa) = slot(a, field), sa.fieldTypes[fa] == .string, let ra = sa.varRange(ia, fa),
            let (sb, ib, fb) = slot(b, field), sb.fieldTypes[fb] == .string, let rb = sb.varRange(ib, fb)
        else { return false }
        guard ra.count == rb.count else { return false }
        return sa.heaps[fa].withUnsafeBufferPointer { ha in
            sb.heaps[fb].withUnsafeBufferPointer { hb in
                var i = ra.lowerBound
                var j = rb.lowerBound
                while i < ra.upperBound {
                    if ha[i] != hb[j] { return false }
                    i &+= 1
                    j &+= 1
                }
                return true
            }
        }
    }

    /// Java's `String.hashCode()` of the STRING field, computed on the compact encoding, or nil for null.
    public func stringHash(_ ordinal: Int, _ field: Int) -> Int32? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .string, let r = s.varRange(i, f) else {
            return nil
        }
        return s.heaps[f].withUnsafeBufferPointer { heap in
            var h: Int32 = 0
            var p = r.lowerBound
            let end = r.upperBound
            while p < end {
                var b = heap[p]
                p &+= 1
                var v = UInt32(b & 0x7F)
                while b & 0x80 != 0 && p < end {
                    b = heap[p]
                    p &+= 1
                    v = (v &<< 7) | UInt32(b & 0x7F)
                }
                h = h &* 31 &+ Int32(UInt16(truncatingIfNeeded: v))
            }
            return h
        }
    }

    /// The value of any field as a ``HollowValue``, or nil for null.
    public func value(_ ordinal: Int, _ field: Int) -> HollowValue? {
        guard field >= 0, field < schema.fields.count else { return nil }
        switch schema.fields[field].type {
        case .int: return readInt(ordinal, field).map { .int($0) }
        case .long: return readLong(ordinal, field).map { .long($0) }
        case .float: return readFloat(ordinal, field).map { .float($0) }
        case .double: return readDouble(ordinal, field).map { .double($0) }
        case .boolean: return readBoolean(ordinal, field).map { .boolean($0) }
        case .string: return readString(ordinal, field).map { .string($0) }
        case .bytes: return readBytes(ordinal, field).map { .bytes($0) }
        case .reference: return readOrdinal(ordinal, field).map { .reference($0) }
        }
    }
}

/// A record view of a generated API: the record's ordinal in the state its API was made from, rendered by
/// `description` as one record line of the canonical dump (`hollow dump`).
public protocol HollowGeneratedRecord: Sendable, CustomStringConvertible {
    /// The API root type the view belongs to.
    associatedtype API: Sendable
    /// The API the view reads through.
    var api: API { get }
    /// The record's ordinal.
    var ordinal: Int { get }
    /// The view of record `ordinal`.
    init(api: API, ordinal: Int)
}

/// Every record of one type as views of a generated API, in ordinal order (Java `getAllMovie()`): a
/// collection over the populated ordinals that makes each view on access.
public struct HollowRecords<Record: HollowGeneratedRecord>: RandomAccessCollection, Sendable {
    /// The API the views read through.
    public let api: Record.API
    /// The populated ordinals, ascending.
    public let ordinals: [Int]
    /// The records with `ordinals` of `api`.
    public init(api: Record.API, ordinals: [Int]) {
        self.api = api
        self.ordinals = ordinals
    }
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { ordinals.count }
    /// The view at `position`.
    @inlinable public subscript(position: Int) -> Record { Record(api: api, ordinal: ordinals[position]) }
}

/// The canonical dump's value renderings (Tests/HollowCoreTests/Fixtures/java-hollow/README.md), for
/// generated `description`s that print a record the way `hollow dump` does.
public enum HollowCanonicalText {
    /// A JSON string literal with the dump's escaping.
    public static func string(_ value: String) -> String {
        var out = JSONOut()
        out.string(value)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// `"0x%08x"` of the float's bits.
    public static func float(_ value: Float) -> String {
        var out = JSONOut()
        out.hex(UInt64(value.bitPattern), digits: 8)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// `"0x%016x"` of the double's bits.
    public static func double(_ value: Double) -> String {
        var out = JSONOut()
        out.hex(value.bitPattern, digits: 16)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Lowercase hex in quotes.
    public static func bytes(_ value: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in value {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
