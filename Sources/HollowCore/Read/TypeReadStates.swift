/// A field value read from a record, or a key value given to an index or a hash-key lookup.
public enum HollowValue: Sendable, Hashable, CustomStringConvertible {
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case boolean(Bool)
    case string(String)
    case bytes([UInt8])
    /// The ordinal of a referenced record.
    case reference(Int)

    /// A short rendering for messages.
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .long(let v): "\(v)"
        case .float(let v): "\(v)"
        case .double(let v): "\(v)"
        case .boolean(let v): "\(v)"
        case .string(let v): "\"\(v)\""
        case .bytes(let v): "bytes(\(v.count))"
        case .reference(let v): "#\(v)"
        }
    }
}

extension HollowValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    /// An integer literal; it matches INT, LONG and REFERENCE fields alike.
    public init(integerLiteral value: Int64) { self = .long(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

/// What every typed read view shares: the type's name, populated ordinals and maximum ordinal.
public protocol HollowTypeReadState: Sendable {
    /// The type name.
    var name: String { get }
    /// The populated ordinals, ascending (Java `getPopulatedOrdinals()`).
    var populatedOrdinals: [Int] { get }
    /// The number of populated ordinals.
    var populatedCount: Int { get }
    /// The highest ordinal the blobs declared (-1 for an empty type); may exceed the last populated one.
    var maxOrdinal: Int { get }
    /// The shard count of the last blob that carried this type.
    var shardCount: Int { get }
    /// True if `ordinal` is populated in this state.
    func isPopulated(_ ordinal: Int) -> Bool
}

protocol TypeStateBacked { var typeState: TypeState { get } }

extension ReadState {
    /// The read view of an OBJECT type, or nil if the state has no such object type.
    public func objectType(_ name: String) -> HollowObjectTypeReadState? {
        guard let t = types[name], case .object(let s) = t.schema else { return nil }
        return HollowObjectTypeReadState(typeState: t, schema: s)
    }
    /// The read view of a LIST type, or nil.
    public func listType(_ name: String) -> HollowListTypeReadState? {
        guard let t = types[name], case .list(let s) = t.schema else { return nil }
        return HollowListTypeReadState(typeState: t, schema: s)
    }
    /// The read view of a SET type, or nil.
    public func setType(_ name: String) -> HollowSetTypeReadState? {
        guard let t = types[name], case .set(let s) = t.schema else { return nil }
        return HollowSetTypeReadState(typeState: t, schema: s, state: self)
    }
    /// The read view of a MAP type, or nil.
    public func mapType(_ name: String) -> HollowMapTypeReadState? {
        guard let t = types[name], case .map(let s) = t.schema else { return nil }
        return HollowMapTypeReadState(typeState: t, schema: s, state: self)
    }
    /// The populated ordinals of type `name`, ascending; empty for an unknown type.
    public func populatedOrdinals(of name: String) -> [Int] {
        types[name].map { OrdinalBits.ordinals($0.populated) } ?? []
    }
}

/// Read access to an OBJECT type (Java: `HollowObjectTypeReadState`). Field accessors return nil for null.
public struct HollowObjectTypeReadState: HollowTypeReadState, TypeStateBacked {
    let typeState: TypeState
    /// The type's schema.
    public let schema: HollowObjectSchema

    /// The type name.
    public var name: String { schema.name }
    /// The populated ordinals, ascending.
    public var populatedOrdinals: [Int] { OrdinalBits.ordinals(typeState.populated) }
    /// The number of populated ordinals.
    public var populatedCount: Int { typeState.populatedCount }
    /// The highest ordinal the blobs declared (-1 for none).
    public var maxOrdinal: Int { typeState.maxOrdinal }
    /// The shard count of the last blob that carried this type.
    public var shardCount: Int { typeState.shardCount }
    /// True if `ordinal` is populated in this state.
    public func isPopulated(_ ordinal: Int) -> Bool { typeState.isPopulated(ordinal) }

    /// The index of field `name` in the schema, or nil.
    public func fieldIndex(_ name: String) -> Int? { schema.fieldIndex(name) }

    @inline(__always)
    func slot(_ ordinal: Int, _ field: Int) -> (ObjectSegment, Int, Int)? {
        guard field >= 0, field < schema.fields.count, let (segment, index) = typeState.object(ordinal) else { return nil }
        let own = segment.fieldMap[field]
        guard own >= 0 else { return nil }
        return (segment, index, own)
    }

    /// True if field `field` of record `ordinal` is null (also for a field the record's blob did not have).
    public func isNull(_ ordinal: Int, _ field: Int) -> Bool {
        guard let (s, i, f) = slot(ordinal, field) else { return true }
        return s.isNull(i, f)
    }

    /// The INT value of the field, or nil when null (Java `readInt` returns `Integer.MIN_VALUE`).
    public func readInt(_ ordinal: Int, _ field: Int) -> Int32? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .int, !s.isNull(i, f) else { return nil }
        return ZigZag.decode32(s.raw(i, f))
    }
    /// The LONG value of the field, or nil when null (Java returns `Long.MIN_VALUE`).
    public func readLong(_ ordinal: Int, _ field: Int) -> Int64? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .long, !s.isNull(i, f) else { return nil }
        return ZigZag.decode64(s.raw(i, f))
    }
    /// The FLOAT value of the field, or nil when null (Java returns NaN).
    public func readFloat(_ ordinal: Int, _ field: Int) -> Float? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .float, !s.isNull(i, f) else { return nil }
        return Float(bitPattern: UInt32(truncatingIfNeeded: s.raw(i, f)))
    }
    /// The DOUBLE value of the field, or nil when null (Java returns NaN).
    public func readDouble(_ ordinal: Int, _ field: Int) -> Double? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .double, !s.isNull(i, f) else { return nil }
        return Double(bitPattern: s.raw(i, f))
    }
    /// The BOOLEAN value of the field, or nil when null.
    public func readBoolean(_ ordinal: Int, _ field: Int) -> Bool? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .boolean, !s.isNull(i, f) else { return nil }
        return s.raw(i, f) == 1
    }
    /// The STRING value of the field, or nil when null.
    public func readString(_ ordinal: Int, _ field: Int) -> String? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .string, let r = s.varRange(i, f) else { return nil }
        return HeapString.string(s.heaps[f], r.lowerBound, r.upperBound)
    }
    /// The BYTES value of the field, or nil when null.
    public func readBytes(_ ordinal: Int, _ field: Int) -> [UInt8]? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .bytes, let r = s.varRange(i, f) else { return nil }
        return Array(s.heaps[f][r])
    }
    /// The ordinal a REFERENCE field points at, or nil for null (Java returns -1).
    public func readOrdinal(_ ordinal: Int, _ field: Int) -> Int? {
        guard let (s, i, f) = slot(ordinal, field), s.fieldTypes[f] == .reference, !s.isNull(i, f) else { return nil }
        return Int(s.raw(i, f))
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

    // By field name.
    public func isNull(_ ordinal: Int, _ field: String) -> Bool { fieldIndex(field).map { isNull(ordinal, $0) } ?? true }
    /// The INT value of the field, or nil when null (Java `readInt` returns `Integer.MIN_VALUE`).
    public func readInt(_ ordinal: Int, _ field: String) -> Int32? { fieldIndex(field).flatMap { readInt(ordinal, $0) } }
    /// The LONG value of the field, or nil when null (Java returns `Long.MIN_VALUE`).
    public func readLong(_ ordinal: Int, _ field: String) -> Int64? { fieldIndex(field).flatMap { readLong(ordinal, $0) } }
    /// The FLOAT value of the field, or nil when null (Java returns NaN).
    public func readFloat(_ ordinal: Int, _ field: String) -> Float? { fieldIndex(field).flatMap { readFloat(ordinal, $0) } }
    /// The DOUBLE value of the field, or nil when null (Java returns NaN).
    public func readDouble(_ ordinal: Int, _ field: String) -> Double? { fieldIndex(field).flatMap { readDouble(ordinal, $0) } }
    /// The BOOLEAN value of the field, or nil when null.
    public func readBoolean(_ ordinal: Int, _ field: String) -> Bool? { fieldIndex(field).flatMap { readBoolean(ordinal, $0) } }
    /// The STRING value of the field, or nil when null.
    public func readString(_ ordinal: Int, _ field: String) -> String? { fieldIndex(field).flatMap { readString(ordinal, $0) } }
    /// The BYTES value of the field, or nil when null.
    public func readBytes(_ ordinal: Int, _ field: String) -> [UInt8]? { fieldIndex(field).flatMap { readBytes(ordinal, $0) } }
    /// The ordinal a REFERENCE field points at, or nil for null (Java returns -1).
    public func readOrdinal(_ ordinal: Int, _ field: String) -> Int? { fieldIndex(field).flatMap { readOrdinal(ordinal, $0) } }
    /// The value of any field as a ``HollowValue``, or nil for null.
    public func value(_ ordinal: Int, _ field: String) -> HollowValue? { fieldIndex(field).flatMap { value(ordinal, $0) } }
}

/// Read access to a LIST type (Java: `HollowListTypeReadState`).
public struct HollowListTypeReadState: HollowTypeReadState, TypeStateBacked {
    let typeState: TypeState
    /// The type's schema.
    public let schema: HollowListSchema

    /// The type name.
    public var name: String { schema.name }
    /// The populated ordinals, ascending.
    public var populatedOrdinals: [Int] { OrdinalBits.ordinals(typeState.populated) }
    /// The number of populated ordinals.
    public var populatedCount: Int { typeState.populatedCount }
    /// The highest ordinal the blobs declared (-1 for none).
    public var maxOrdinal: Int { typeState.maxOrdinal }
    /// The shard count of the last blob that carried this type.
    public var shardCount: Int { typeState.shardCount }
    /// True if `ordinal` is populated in this state.
    public func isPopulated(_ ordinal: Int) -> Bool { typeState.isPopulated(ordinal) }

    /// The number of elements of list `ordinal` (0 for an unknown ordinal).
    public func size(_ ordinal: Int) -> Int { typeState.list(ordinal).map { $0.0.range($0.1).count } ?? 0 }

    /// The element ordinal at `index` of list `ordinal`, or nil when out of range.
    public func elementOrdinal(_ ordinal: Int, _ index: Int) -> Int? {
        guard let (s, i) = typeState.list(ordinal) else { return nil }
        let r = s.range(i)
        guard index >= 0, index < r.count else { return nil }
        return s.element(r.lowerBound + index)
    }

    /// The element ordinals of list `ordinal`, in list order.
    public func elementOrdinals(_ ordinal: Int) -> [Int] {
        guard let (s, i) = typeState.list(ordinal) else { return [] }
        return s.range(i).map { s.element($0) }
    }
}

/// Read access to a SET type (Java: `HollowSetTypeReadState`).
public struct HollowSetTypeReadState: HollowTypeReadState, TypeStateBacked {
    let typeState: TypeState
    /// The type's schema.
    public let schema: HollowSetSchema
    let state: ReadState

    /// The type name.
    public var name: String { schema.name }
    /// The populated ordinals, ascending.
    public var populatedOrdinals: [Int] { OrdinalBits.ordinals(typeState.populated) }
    /// The number of populated ordinals.
    public var populatedCount: Int { typeState.populatedCount }
    /// The highest ordinal the blobs declared (-1 for none).
    public var maxOrdinal: Int { typeState.maxOrdinal }
    /// The shard count of the last blob that carried this type.
    public var shardCount: Int { typeState.shardCount }
    /// True if `ordinal` is populated in this state.
    public func isPopulated(_ ordinal: Int) -> Bool { typeState.isPopulated(ordinal) }

    /// The number of elements of set `ordinal`.
    public func size(_ ordinal: Int) -> Int { typeState.set(ordinal).map { $0.0.size($0.1) } ?? 0 }

    /// The element ordinals of set `ordinal`, in bucket order (sort them for a stable order).
    public func elementOrdinals(_ ordinal: Int) -> [Int] {
        guard let (s, i) = typeState.set(ordinal) else { return [] }
        return s.range(i).compactMap { s.element($0) }
    }

    /// True if set `ordinal` contains the element with ordinal `element`, found by hash-table probing.
    public func contains(_ ordinal: Int, element: Int) -> Bool {
        guard let (s, i) = typeState.set(ordinal) else { return false }
        let hash: Int32
        if let key = schema.hashKey {
            guard let h = KeyHasher.recordHash(state, type: schema.elementType, ordinal: element, paths: key) else {
                return s.range(i).contains { s.element($0) == element }
            }
            hash = h
        } else {
            hash = HollowHashing.hashInt(Int32(truncatingIfNeeded: element))
        }
        return probe(s, i, hash) { $0 == element } != nil
    }

    /// The element of set `ordinal` whose hash-key fields equal `key` (Java `findElement`), or nil.
    /// Sets without a hash key match a single `.reference(ordinal)` key.
    public func findElement(_ ordinal: Int, key: [HollowValue]) -> Int? {
        guard let (s, i) = typeState.set(ordinal) else { return nil }
        guard let paths = schema.hashKey else {
            guard key.count == 1, case .reference(let o) = key[0] else { return nil }
            return contains(ordinal, element: o) ? o : nil
        }
        guard let matcher = KeyMatcher(state, type: schema.elementType, paths: paths, key: key) else { return nil }
        return probe(s, i, matcher.hash) { matcher.matches($0) }
    }

    private func probe(_ s: SetSegment, _ i: Int, _ hash: Int32, _ match: (Int) -> Bool) -> Int? {
        let r = s.range(i)
        let n = r.count
        guard n > 0 else { return nil }
        var b = Int(UInt32(bitPattern: hash)) & (n - 1)
        for _ in 0..<n {
            guard let e = s.element(r.lowerBound + b) else { return nil }
            if match(e) { return e }
            b = (b + 1) & (n - 1)
        }
        return nil
    }
}

/// Read access to a MAP type (Java: `HollowMapTypeReadState`).
public struct HollowMapTypeReadState: HollowTypeReadState, TypeStateBacked {
    let typeState: TypeState
    /// The type's schema.
    public let schema: HollowMapSchema
    let state: ReadState

    /// The type name.
    public var name: String { schema.name }
    /// The populated ordinals, ascending.
    public var populatedOrdinals: [Int] { OrdinalBits.ordinals(typeState.populated) }
    /// The number of populated ordinals.
    public var populatedCount: Int { typeState.populatedCount }
    /// The highest ordinal the blobs declared (-1 for none).
    public var maxOrdinal: Int { typeState.maxOrdinal }
    /// The shard count of the last blob that carried this type.
    public var shardCount: Int { typeState.shardCount }
    /// True if `ordinal` is populated in this state.
    public func isPopulated(_ ordinal: Int) -> Bool { typeState.isPopulated(ordinal) }

    /// The number of entries of map `ordinal`.
    public func size(_ ordinal: Int) -> Int { typeState.map(ordinal).map { $0.0.size($0.1) } ?? 0 }

    /// The (key ordinal, value ordinal) entries of map `ordinal`, in bucket order.
    public func entries(_ ordinal: Int) -> [(key: Int, value: Int)] {
        guard let (s, i) = typeState.map(ordinal) else { return [] }
        return s.range(i).compactMap { s.entry($0) }
    }

    /// The value ordinal for key ordinal `key` in map `ordinal` (Java `get(ordinal, keyOrdinal)`), or nil.
    public func get(_ ordinal: Int, key: Int) -> Int? {
        guard let (s, i) = typeState.map(ordinal) else { return nil }
        let hash: Int32
        if let paths = schema.hashKey {
            guard let h = KeyHasher.recordHash(state, type: schema.keyType, ordinal: key, paths: paths) else {
                return s.range(i).lazy.compactMap { s.entry($0) }.first { $0.key == key }?.value
            }
            hash = h
        } else {
            hash = HollowHashing.hashInt(Int32(truncatingIfNeeded: key))
        }
        return probe(s, i, hash) { $0 == key }?.value
    }

    /// The entry whose key's hash-key fields equal `key` (Java `findEntry`), or nil.
    public func findEntry(_ ordinal: Int, key: [HollowValue]) -> (key: Int, value: Int)? {
        guard let (s, i) = typeState.map(ordinal) else { return nil }
        guard let paths = schema.hashKey else {
            guard key.count == 1, case .reference(let o) = key[0], let v = get(ordinal, key: o) else { return nil }
            return (o, v)
        }
        guard let matcher = KeyMatcher(state, type: schema.keyType, paths: paths, key: key) else { return nil }
        return probe(s, i, matcher.hash) { matcher.matches($0) }
    }

    /// The value ordinal whose key's hash-key fields equal `key` (Java `findValue`), or nil.
    public func findValue(_ ordinal: Int, key: [HollowValue]) -> Int? { findEntry(ordinal, key: key)?.value }
    /// The key ordinal whose hash-key fields equal `key` (Java `findKey`), or nil.
    public func findKey(_ ordinal: Int, key: [HollowValue]) -> Int? { findEntry(ordinal, key: key)?.key }

    private func probe(_ s: MapSegment, _ i: Int, _ hash: Int32, _ match: (Int) -> Bool) -> (key: Int, value: Int)? {
        let r = s.range(i)
        let n = r.count
        guard n > 0 else { return nil }
        var b = Int(UInt32(bitPattern: hash)) & (n - 1)
        for _ in 0..<n {
            guard let e = s.entry(r.lowerBound + b) else { return nil }
            if match(e.key) { return e }
            b = (b + 1) & (n - 1)
        }
        return nil
    }
}
