// The Encoder/Decoder machinery of HollowObjectMapper: a decoder that discovers a type's fields from its
// Decodable initializer, a decoder that builds placeholder values, and an encoder that fills an object record.

// MARK: - Discovery

/// Runs a type's `init(from:)` and records, for every key it decodes, the field name and Swift type.
final class DiscoveryDecoder: Decoder {
    let mapper: HollowObjectMapper
    let owner: MapperType
    let config: (any HollowTypeConfiguration.Type)?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(mapper: HollowObjectMapper, owner: MapperType, config: (any HollowTypeConfiguration.Type)?) {
        self.mapper = mapper
        self.owner = owner
        self.config = config
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(DiscoveryKeyed<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw HollowWriteError(.unsupported, "type \(owner.name) decodes an unkeyed container; only keyed structs map to OBJECT types")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw HollowWriteError(.unsupported, "type \(owner.name) decodes a single value; wrap it in a struct or use a String enum")
    }
}

struct DiscoveryKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: DiscoveryDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.mapper.discoverField(decoder.owner, key.stringValue, T.self, optional: false, config: decoder.config)
        return try placeholder(T.self)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try optionalField(type, key) }

    // The standard library's default `decodeIfPresent` overloads for scalars would call `decode` and lose
    // the optionality, so each one is declared here.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optionalField(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optionalField(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optionalField(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optionalField(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optionalField(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optionalField(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optionalField(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optionalField(type, key) }

    private func optionalField<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        try decoder.mapper.discoverField(decoder.owner, key.stringValue, T.self, optional: true, config: decoder.config)
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw HollowWriteError(.unsupported, "nested containers are not mapped (\(decoder.owner.name).\(key.stringValue))")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw HollowWriteError(.unsupported, "nested containers are not mapped (\(decoder.owner.name).\(key.stringValue))")
    }

    func superDecoder() throws -> any Decoder {
        throw HollowWriteError(.unsupported, "superDecoder is not mapped (\(decoder.owner.name))")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        throw HollowWriteError(.unsupported, "superDecoder is not mapped (\(decoder.owner.name))")
    }
}

/// A value of `T` to hand back during discovery (zero, empty, or built from placeholders).
func placeholder<T: Decodable>(_ t: T.Type) throws -> T {
    if let cases = enumCases(T.self), let first = cases.first { return first as! T }
    return try T(from: PlaceholderDecoder())
}

/// A decoder that answers every request with zero / empty / nil.
struct PlaceholderDecoder: Decoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(PlaceholderKeyed<Key>())
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { PlaceholderUnkeyed() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { PlaceholderSingle() }
}

struct PlaceholderKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }
    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try placeholder(T.self) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { nil }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(PlaceholderKeyed<NestedKey>())
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { PlaceholderUnkeyed() }
    func superDecoder() throws -> any Decoder { PlaceholderDecoder() }
    func superDecoder(forKey key: Key) throws -> any Decoder { PlaceholderDecoder() }
}

struct PlaceholderUnkeyed: UnkeyedDecodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int? { 0 }
    var isAtEnd: Bool { true }
    var currentIndex: Int { 0 }
    mutating func decodeNil() throws -> Bool { true }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try placeholder(T.self) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(PlaceholderKeyed<NestedKey>())
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { PlaceholderUnkeyed() }
    mutating func superDecoder() throws -> any Decoder { PlaceholderDecoder() }
}

struct PlaceholderSingle: SingleValueDecodingContainer {
    var codingPath: [any CodingKey] { [] }
    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { false }
    func decode(_ type: String.Type) throws -> String { "" }
    func decode(_ type: Double.Type) throws -> Double { 0 }
    func decode(_ type: Float.Type) throws -> Float { 0 }
    func decode(_ type: Int.Type) throws -> Int { 0 }
    func decode(_ type: Int8.Type) throws -> Int8 { 0 }
    func decode(_ type: Int16.Type) throws -> Int16 { 0 }
    func decode(_ type: Int32.Type) throws -> Int32 { 0 }
    func decode(_ type: Int64.Type) throws -> Int64 { 0 }
    func decode(_ type: UInt.Type) throws -> UInt { 0 }
    func decode(_ type: UInt8.Type) throws -> UInt8 { 0 }
    func decode(_ type: UInt16.Type) throws -> UInt16 { 0 }
    func decode(_ type: UInt32.Type) throws -> UInt32 { 0 }
    func decode(_ type: UInt64.Type) throws -> UInt64 { 0 }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try placeholder(T.self) }
}

// MARK: - Writing an object record

/// Receives a struct's `encode(to:)` calls and fills the object record of its type: the general path, used
/// when `encode(to:)` visits fields out of schema order (see ``ObjectRecordEncoder`` for the fast one).
final class ValueRecordEncoder: Encoder {
    let mapper: HollowObjectMapper
    let type: MapperType
    var record: HollowObjectWriteRecord
    var error: (any Error)?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(mapper: HollowObjectMapper, type: MapperType, record: HollowObjectWriteRecord) {
        self.mapper = mapper
        self.type = type
        self.record = record
    }

    func container<Key: CodingKey>(keyedBy keyType: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(ValueKeyed<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        error = error ?? HollowWriteError(.unsupported, "type \(type.name) encodes an unkeyed container")
        return RejectingUnkeyed(error: error!)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        error = error ?? HollowWriteError(.unsupported, "type \(type.name) encodes a single value")
        return RejectingSingle(error: error!)
    }

    func set(_ key: String, _ value: Any?) throws {
        guard let index = type.fieldIndex[key] else {
            throw HollowWriteError(.schemaMismatch, "type \(type.name) has no field \(key) (it was not decoded by init(from:))")
        }
        let field = type.fields[index]
        var value = value
        if let o = value as? any HollowOptionalMarker { value = o.hollowWrapped }
        guard let value else {
            try record.set(fieldAt: index, nil)
            return
        }
        if let ref = field.ref {
            guard let e = value as? any Encodable else {
                throw HollowWriteError(.schemaMismatch, "field \(type.name).\(key) needs an Encodable value")
            }
            try record.set(fieldAt: index, .reference(try mapper.write(e, as: ref)))
        } else {
            try record.set(
                fieldAt: index,
                HollowObjectMapper.scalar(value, as: field.type, nullNaN: !field.optional, field: "\(type.name).\(key)"))
        }
    }
}

struct ValueKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ValueRecordEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try encoder.set(key.stringValue, nil) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoder.set(key.stringValue, value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.error = encoder.error ?? HollowWriteError(.unsupported, "nested containers are not mapped (\(encoder.type.name).\(key.stringValue))")
        return KeyedEncodingContainer(RejectingKeyed<NestedKey>(error: encoder.error!))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.error = encoder.error ?? HollowWriteError(.unsupported, "nested containers are not mapped (\(encoder.type.name).\(key.stringValue))")
        return RejectingUnkeyed(error: encoder.error!)
    }

    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
}

/// Receives a struct's `encode(to:)` calls and encodes its fields straight into a byte buffer, in schema
/// order (unvisited fields are null). Values keep their static types: scalars go to ``FieldEncoding``
/// without boxing, references to ``HollowObjectMapper/write(_:as:)``. Field names are matched against the
/// expected next field first (synthesized `encode(to:)` visits fields in declaration order), then by
/// lookup; a field visited out of order sets ``outOfOrder`` and the mapper re-encodes through
/// ``ValueRecordEncoder``.
final class ObjectRecordEncoder: Encoder {
    unowned let mapper: HollowObjectMapper
    private(set) var type: MapperType
    var buffer: [UInt8] = []
    /// The next field in schema order.
    private var next = 0
    private(set) var outOfOrder = false
    var error: (any Error)?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(mapper: HollowObjectMapper) {
        self.mapper = mapper
        self.type = MapperType(name: "", kind: .object)
    }

    /// Starts a record of `mt`.
    func begin(_ mt: MapperType) {
        type = mt
        buffer.removeAll(keepingCapacity: true)
        next = 0
        outOfOrder = false
        error = nil
    }

    /// Ends the record: the fields not visited are null.
    func finish() {
        let fields = type.fields
        while next < fields.count {
            FieldEncoding.null(&buffer, fields[next].type)
            next += 1
        }
    }

    func container<Key: CodingKey>(keyedBy keyType: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RecordKeyed<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        error = error ?? HollowWriteError(.unsupported, "type \(type.name) encodes an unkeyed container")
        return RejectingUnkeyed(error: error!)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        error = error ?? HollowWriteError(.unsupported, "type \(type.name) encodes a single value")
        return RejectingSingle(error: error!)
    }

    /// The index of field `key` with every skipped field before it written as null; nil once the record
    /// went out of order.
    @inline(__always)
    private func field(_ key: String) throws -> Int? {
        if outOfOrder { return nil }
        let fields = type.fields
        if next < fields.count, fields[next].name == key { return next }
        guard let index = type.fieldIndex[key] else {
            throw HollowWriteError(.schemaMismatch, "type \(type.name) has no field \(key) (it was not decoded by init(from:))")
        }
        if index < next {
            outOfOrder = true
            return nil
        }
        while next < index {
            FieldEncoding.null(&buffer, fields[next].type)
            next += 1
        }
        return index
    }

    func encodeNil(_ key: String) throws {
        guard let index = try field(key) else { return }
        FieldEncoding.null(&buffer, type.fields[index].type)
        next = index + 1
    }

    @inline(__always)
    func encode<T: Encodable>(_ value: T, _ key: String) throws {
        guard let index = try field(key) else { return }
        let f = type.fields[index]
        if let ref = f.ref {
            // Written before this record's bytes are appended to: nested records use other buffers.
            if let o = try mapper.writeOptional(value, as: ref) {
                FieldEncoding.reference(&buffer, o)
            } else {
                FieldEncoding.null(&buffer, .reference)
            }
        } else {
            try mapper.encodeScalar(value, as: f.type, nullNaN: !f.optional, into: &buffer) { "\(type.name).\(key)" }
        }
        next = index + 1
    }
}

/// The keyed container of ``ObjectRecordEncoder``; concrete overloads keep scalar types static.
struct RecordKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ObjectRecordEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try encoder.encodeNil(key.stringValue) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: String, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encoder.encode(value, key.stringValue) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.error = encoder.error ?? HollowWriteError(.unsupported, "nested containers are not mapped (\(encoder.type.name).\(key.stringValue))")
        return KeyedEncodingContainer(RejectingKeyed<NestedKey>(error: encoder.error!))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.error = encoder.error ?? HollowWriteError(.unsupported, "nested containers are not mapped (\(encoder.type.name).\(key.stringValue))")
        return RejectingUnkeyed(error: encoder.error!)
    }

    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
}

struct RejectingKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let error: any Error
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) throws { throw error }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw error }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RejectingKeyed<NestedKey>(error: error))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { RejectingUnkeyed(error: error) }
    mutating func superEncoder() -> any Encoder { RejectingEncoder(error: error) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RejectingEncoder(error: error) }
}

struct RejectingUnkeyed: UnkeyedEncodingContainer {
    let error: any Error
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil() throws { throw error }
    mutating func encode<T: Encodable>(_ value: T) throws { throw error }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RejectingKeyed<NestedKey>(error: error))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { RejectingEncoder(error: error) }
}

struct RejectingSingle: SingleValueEncodingContainer {
    let error: any Error
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { throw error }
    mutating func encode<T: Encodable>(_ value: T) throws { throw error }
}

struct RejectingEncoder: Encoder {
    let error: any Error
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RejectingKeyed<Key>(error: error))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { RejectingUnkeyed(error: error) }
    func singleValueContainer() -> any SingleValueEncodingContainer { RejectingSingle(error: error) }
}
