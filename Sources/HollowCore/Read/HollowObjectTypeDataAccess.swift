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
    let base: [ObjectSegment]
    let shardMask: Int
    let shardShift: Int
    let patch: [Int32: UInt64]
    let patchSegments: [ObjectSegment]
    let hasPatch: Bool
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

    @inline(__always)
    func slot(_ ordinal: Int, _ field: Int) -> (ObjectSegment, Int, Int)? {
        let segment: ObjectSegment
        let index: Int
        if hasPatch, ordinal <= Int(Int32.max), let p = patch[Int32(truncatingIfNeeded: ordinal)] {
            segment = patchSegments[Int(p >> 32)]
            index = Int(p & 0xFFFF_FFFF)
        } else {
            let shard = ordinal & shardMask
            guard ordinal >= 0, shard < base.count else { return nil }
            segment = base[shard]
            index = ordinal &>> shardShift
            guard index < segment.recordCount else { return nil }
        }
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
    public func readInt(_ ordinal: Int, _ field: Int) -> Int32? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .int else { return nil }
        let w = s.widths[f]
        let v = s.raw(i, f)
        return v == allOnes(w) ? nil : ZigZag.decode32(v)
    }

    /// The LONG value of the field, or nil for null.
    public func readLong(_ ordinal: Int, _ field: Int) -> Int64? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .long else { return nil }
        let v = s.raw(i, f)
        return v == allOnes(s.widths[f]) ? nil : ZigZag.decode64(v)
    }

    /// The FLOAT value of the field, or nil for null.
    public func readFloat(_ ordinal: Int, _ field: Int) -> Float? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .float else { return nil }
        let v = s.raw(i, f)
        return v == 0x7FC0_0001 ? nil : Float(bitPattern: UInt32(truncatingIfNeeded: v))
    }

    /// The DOUBLE value of the field, or nil for null.
    public func readDouble(_ ordinal: Int, _ field: Int) -> Double? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .double else { return nil }
        let v = s.raw(i, f)
        return v == 0x7FF8_0000_0000_0001 ? nil : Double(bitPattern: v)
    }

    /// The BOOLEAN value of the field, or nil for null.
    public func readBoolean(_ ordinal: Int, _ field: Int) -> Bool? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .boolean else { return nil }
        let v = s.raw(i, f)
        return v == allOnes(s.widths[f]) ? nil : v == 1
    }

    /// The ordinal a REFERENCE field points at, or nil for null.
    public func readOrdinal(_ ordinal: Int, _ field: Int) -> Int? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .reference else { return nil }
        let v = s.raw(i, f)
        return v == allOnes(s.widths[f]) ? nil : Int(v)
    }

    /// The STRING value of the field, or nil for null.
    public func readString(_ ordinal: Int, _ field: Int) -> String? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .string, let r = s.varRange(i, f) else { return nil }
        return HeapString.string(s.heaps[f], r.lowerBound, r.upperBound)
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
        return s.heaps[f].withUnsafeBufferPointer { heap in
            var p = r.lowerBound
            let end = r.upperBound
            for u in value.utf16 {
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
