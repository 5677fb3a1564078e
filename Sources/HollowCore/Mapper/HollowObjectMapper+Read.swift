// Typed reading: decode records of a ReadState into the same Decodable types the mapper writes.

extension HollowObjectMapper {
    /// A mapper used only for reading (its engine stays empty).
    public convenience init() {
        self.init(engine: HollowWriteStateEngine())
    }

    /// Decodes record `ordinal` of `type`'s Hollow type from `state`.
    /// - Throws: ``HollowWriteError`` `.unknownType` if the state has no such type, `.invalidValue` if the
    ///   ordinal is not populated, `.schemaMismatch` if a non-optional property is null.
    public func read<T: Decodable>(_ type: T.Type, ordinal: Int, from state: ReadState) throws -> T {
        let mt = try mapperType(for: type, nameOverride: nil, hashKey: nil)
        guard state.schema(named: mt.name) != nil else {
            throw HollowWriteError(.unknownType, "the state has no type \(mt.name)")
        }
        guard isPopulated(state, mt.name, ordinal) else {
            throw HollowWriteError(.invalidValue, "ordinal \(ordinal) of \(mt.name) is not populated")
        }
        return try decodeValue(T.self, mt, ordinal, state)
    }

    private func isPopulated(_ state: ReadState, _ name: String, _ o: Int) -> Bool {
        state.objectType(name)?.isPopulated(o) ?? state.listType(name)?.isPopulated(o)
            ?? state.setType(name)?.isPopulated(o) ?? state.mapType(name)?.isPopulated(o) ?? false
    }

    /// Decodes every populated record of `type`'s Hollow type, in ordinal order.
    public func readAll<T: Decodable>(_ type: T.Type, from state: ReadState) throws -> [T] {
        let mt = try mapperType(for: type, nameOverride: nil, hashKey: nil)
        return try state.populatedOrdinals(of: mt.name).map { try decodeValue(T.self, mt, $0, state) }
    }

    /// Builds a typed primary-key index over `type`'s records in `state` (its schema's primary key).
    /// - Throws: ``HollowIndexError`` if the state lacks the type or the type has no primary key.
    public func primaryKeyIndex<T: Decodable>(_ type: T.Type, in state: ReadState) throws -> UniqueKeyIndex<T> {
        let mt = try mapperType(for: type, nameOverride: nil, hashKey: nil)
        return UniqueKeyIndex(mapper: self, state: state, index: try HollowPrimaryKeyIndex(state: state, type: mt.name))
    }

    /// Finds the record of `type` whose primary key equals `key` (one value per key field).
    public func find<T: Decodable>(_ type: T.Type, in state: ReadState, primaryKey key: HollowValue...) throws -> T? {
        try primaryKeyIndex(type, in: state).find(key)
    }

    // MARK: Decoding

    func decodeValue<T: Decodable>(_ t: T.Type, _ mt: MapperType, _ ordinal: Int, _ state: ReadState) throws -> T {
        if let o = T.self as? any HollowOptionalMarker.Type {
            func open<U: Decodable>(_ u: U.Type) throws -> Any { try decodeValue(U.self, mt, ordinal, state) }
            return o.hollowMake(try open(o.hollowWrappedType)) as! T
        }
        switch mt.kind {
        case .boxed(let ft):
            guard let ot = state.objectType(mt.name) else { throw HollowWriteError(.unknownType, "the state has no type \(mt.name)") }
            return try Self.convert(ot.value(ordinal, 0), ft, to: T.self, field: "\(mt.name).value")
        case .enumName:
            guard let name = state.objectType(mt.name)?.readString(ordinal, 0) else {
                throw HollowWriteError(.schemaMismatch, "\(mt.name) record \(ordinal) has no _name")
            }
            return try T(from: StringValueDecoder(value: name))
        case .object:
            return try T(from: RecordDecoder(mapper: self, type: mt, ordinal: ordinal, state: state))
        case .list:
            guard let l = T.self as? any HollowListMarker.Type, let lt = state.listType(mt.name) else { throw mismatch(T.self, mt) }
            let elements = try lt.elementOrdinals(ordinal).map { try decodeAny(l.hollowElementType, mt.element!, $0, state) }
            return l.hollowMake(elements) as! T
        case .set:
            guard let s = T.self as? any HollowSetMarker.Type, let st = state.setType(mt.name) else { throw mismatch(T.self, mt) }
            let elements = try st.elementOrdinals(ordinal).map { try decodeAny(s.hollowElementType, mt.element!, $0, state) }
            return s.hollowMake(elements) as! T
        case .map:
            guard let m = T.self as? any HollowMapMarker.Type, let mp = state.mapType(mt.name) else { throw mismatch(T.self, mt) }
            let entries = try mp.entries(ordinal).map {
                (try decodeAny(m.hollowKeyType, mt.key!, $0.key, state), try decodeAny(m.hollowValueType, mt.value!, $0.value, state))
            }
            return m.hollowMake(entries) as! T
        }
    }

    func decodeAny(_ t: any Decodable.Type, _ mt: MapperType, _ ordinal: Int, _ state: ReadState) throws -> Any {
        func open<U: Decodable>(_ u: U.Type) throws -> Any { try decodeValue(U.self, mt, ordinal, state) }
        return try open(t)
    }

    private func mismatch(_ t: Any.Type, _ mt: MapperType) -> HollowWriteError {
        HollowWriteError(.schemaMismatch, "\(t) cannot be read from \(mt.name)")
    }

    /// Converts a read field value to the Swift scalar type `T` (nil for a null of an optional).
    static func convert<T>(_ v: HollowValue?, _ ft: HollowFieldType, to: T.Type, field: String) throws -> T {
        if let o = T.self as? any HollowOptionalMarker.Type {
            guard let v else { return o.hollowMake(nil) as! T }
            func open<U>(_ u: U.Type) throws -> Any { try convert(v, ft, to: U.self, field: field) }
            return o.hollowMake(try open(o.hollowWrappedType)) as! T
        }
        let result: Any?
        switch v {
        case nil:
            // Java's null of a primitive: MIN_VALUE / NaN.
            switch T.self {
            case is Int32.Type: result = Int32.min
            case is Int64.Type: result = Int64.min
            case is Int.Type: result = ft == .int ? Int(Int32.min) : Int(Int64.min)
            case is Float.Type: result = Float.nan
            case is Double.Type: result = Double.nan
            default: result = nil
            }
        case .int(let x):
            switch T.self {
            case is Int32.Type: result = x
            case is Int16.Type: result = Int16(truncatingIfNeeded: x)
            case is Int8.Type: result = Int8(truncatingIfNeeded: x)
            case is UInt8.Type: result = UInt8(truncatingIfNeeded: x)
            case is UInt16.Type: result = UInt16(truncatingIfNeeded: x)
            case is Int.Type: result = Int(x)
            case is Int64.Type: result = Int64(x)
            default: result = nil
            }
        case .long(let x):
            switch T.self {
            case is Int64.Type: result = x
            case is Int.Type: result = Int(x)
            case is UInt32.Type: result = UInt32(truncatingIfNeeded: x)
            case is UInt.Type: result = UInt(UInt64(bitPattern: x))
            case is UInt64.Type: result = UInt64(bitPattern: x)
            default: result = nil
            }
        case .float(let x): result = T.self == Float.self ? x : nil
        case .double(let x): result = T.self == Double.self ? x : nil
        case .boolean(let x): result = T.self == Bool.self ? x : nil
        case .string(let x): result = T.self == String.self ? x : nil
        case .bytes(let x): result = T.self == [UInt8].self ? x : nil
        case .reference: result = nil
        }
        guard let r = result as? T else {
            throw HollowWriteError(.schemaMismatch, "field \(field) (\(v.map { "\($0)" } ?? "null")) cannot be read as \(T.self)")
        }
        return r
    }
}

/// Finds records of a mapped type by primary key in one ``ReadState`` and decodes them
/// (a ``HollowPrimaryKeyIndex`` plus the mapper's typed reading).
public struct UniqueKeyIndex<T: Decodable> {
    let mapper: HollowObjectMapper
    let state: ReadState
    /// The untyped index.
    public let index: HollowPrimaryKeyIndex

    /// The ordinal of the record whose key equals `key`, or nil.
    public func ordinal(_ key: [HollowValue]) -> Int? { index.matchingOrdinal(key) }

    /// The record whose key equals `key`, decoded, or nil.
    public func find(_ key: [HollowValue]) throws -> T? {
        guard let o = ordinal(key) else { return nil }
        return try mapper.read(T.self, ordinal: o, from: state)
    }

    /// Number of keyed records.
    public var count: Int { index.count }
}

/// Reads an object record's fields by name for a Decodable initializer.
final class RecordDecoder: Decoder {
    let mapper: HollowObjectMapper
    let type: MapperType
    let ordinal: Int
    let state: ReadState
    let object: HollowObjectTypeReadState?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(mapper: HollowObjectMapper, type: MapperType, ordinal: Int, state: ReadState) {
        self.mapper = mapper
        self.type = type
        self.ordinal = ordinal
        self.state = state
        self.object = state.objectType(type.name)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordDecoderKeyed<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw HollowWriteError(.unsupported, "\(type.name) decodes an unkeyed container")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw HollowWriteError(.unsupported, "\(type.name) decodes a single value")
    }

    func isNull(_ name: String) -> Bool {
        guard let object, let f = object.fieldIndex(name) else { return true }
        return object.isNull(ordinal, f)
    }

    func decode<T: Decodable>(_ t: T.Type, _ name: String) throws -> T {
        guard let i = type.fieldIndex[name] else {
            throw HollowWriteError(.schemaMismatch, "type \(type.name) has no field \(name)")
        }
        let field = type.fields[i]
        let stateField = object?.fieldIndex(name)
        if let ref = field.ref {
            guard let stateField, let o = object?.readOrdinal(ordinal, stateField) else {
                if let opt = T.self as? any HollowOptionalMarker.Type { return opt.hollowMake(nil) as! T }
                throw HollowWriteError(.schemaMismatch, "\(type.name).\(name) is null in record \(ordinal)")
            }
            return try mapper.decodeValue(T.self, ref, o, state)
        }
        let v = stateField.flatMap { object?.value(ordinal, $0) }
        return try HollowObjectMapper.convert(v, field.type, to: T.self, field: "\(type.name).\(name)")
    }
}

struct RecordDecoderKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: RecordDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { decoder.type.fields.compactMap { Key(stringValue: $0.name) } }
    func contains(_ key: Key) -> Bool { decoder.type.fieldIndex[key.stringValue] != nil }
    func decodeNil(forKey key: Key) throws -> Bool { decoder.isNull(key.stringValue) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.decode(T.self, key.stringValue) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        if decoder.isNull(key.stringValue) { return nil }
        return try decoder.decode(T.self, key.stringValue)
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw HollowWriteError(.unsupported, "nested containers are not mapped")
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw HollowWriteError(.unsupported, "nested containers are not mapped")
    }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
}

/// A decoder holding one string (for `String` enums).
struct StringValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw HollowWriteError(.unsupported, "an enum name is a single value")
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw HollowWriteError(.unsupported, "an enum name is a single value")
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard let v = value as? T else { throw HollowWriteError(.schemaMismatch, "enum name \(value) is not a \(T.self)") }
        return v
    }
}
