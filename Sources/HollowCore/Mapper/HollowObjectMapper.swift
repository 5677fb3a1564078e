/// Maps `Codable` Swift values to Hollow records in a ``HollowWriteStateEngine``, with Java
/// `HollowObjectMapper`'s default conventions:
///
/// | Swift | Hollow |
/// |---|---|
/// | `Int32`, `Int16`, `Int8`, `UInt8`, `UInt16` | `INT` field (optional / top level: reference to type `Integer`) |
/// | `Int`, `Int64`, `UInt32`, `UInt`, `UInt64` | `LONG` field (optional / top level: type `Long`) |
/// | `Bool`, `Float`, `Double` | `BOOLEAN`, `FLOAT`, `DOUBLE` (optional: types `Boolean`, `Float`, `Double`) |
/// | `String` | reference to type `String` (`STRING` field when inline) |
/// | `[UInt8]` | `BYTES` field |
/// | struct | OBJECT type named after the struct, fields in declaration order |
/// | `[X]`, `Set<X>`, `[K: V]` | `ListOfX`, `SetOfX`, `MapOfKToV` |
/// | `enum E: String, CaseIterable` | OBJECT type `E` with field `_name` |
///
/// Non-optional `Int32.min` / `Int64.min` and `Float`/`Double` NaN are written as null, as Java does for
/// primitives. Declare primary keys, inline fields, hash keys and type names with ``HollowTypeConfiguration``.
/// Types are discovered through their `Decodable` initializer, so mapped types must be `Codable`.
public final class HollowObjectMapper {
    /// The engine records are added to.
    public let engine: HollowWriteStateEngine
    private var byType: [ObjectIdentifier: MapperType] = [:]
    private var byName: [String: MapperType] = [:]
    /// The Swift type of the last `add` and its mapper type (records of one type usually come in runs).
    private var lastAdded: (type: ObjectIdentifier, mt: MapperType)?
    /// Object encoders by nesting depth, reused across records.
    private var encoderPool: [ObjectRecordEncoder] = []
    private var encoderDepth = 0
    /// The scratch of ``HollowRecordWriter``: records and collection elements being written (allocated once).
    @usableFromInline let recordStack: UnsafeMutablePointer<RecordStack>
    private var boxBuffer: [UInt8] = []
    private var collectionBuffer: [UInt8] = []

    /// Creates a mapper that adds records to `engine`.
    public init(engine: HollowWriteStateEngine) {
        self.engine = engine
        recordStack = .allocate(capacity: 1)
        recordStack.initialize(to: RecordStack())
    }

    deinit {
        recordStack.pointee.deallocate()
        recordStack.deinitialize(count: 1)
        recordStack.deallocate()
    }

    /// Registers the Hollow types of `type` (and of every type it references) with the engine.
    /// - Throws: ``HollowWriteError`` if the type cannot be mapped (e.g. a non-`String` enum) or a type
    ///   name is used by two different Swift types.
    @discardableResult
    public func initializeTypeState<T: Decodable>(for type: T.Type) throws -> String {
        try mapperType(for: type, nameOverride: nil, hashKey: nil).name
    }

    /// Adds `value` (and every record it references) to the current cycle; returns its ordinal.
    /// - Throws: ``HollowWriteError`` if its type cannot be mapped or the engine is not accepting records.
    @discardableResult
    public func add<T: Encodable>(_ value: T) throws -> Int {
        if let last = lastAdded, last.type == ObjectIdentifier(T.self) { return try write(value, as: last.mt) }
        guard let decodable = T.self as? any Decodable.Type else {
            throw HollowWriteError(.unsupported, "\(T.self) must be Codable: its Hollow type is discovered from its Decodable initializer")
        }
        let mt = try mapperType(for: decodable, nameOverride: nil, hashKey: nil)
        let ordinal = try write(value, as: mt)
        lastAdded = (ObjectIdentifier(T.self), mt)
        return ordinal
    }

    /// The Hollow type name `type` maps to.
    public func typeName<T: Decodable>(for type: T.Type) throws -> String {
        try mapperType(for: type, nameOverride: nil, hashKey: nil).name
    }

    // MARK: Discovery

    static let intTypes: [ObjectIdentifier] = [Int32.self, Int16.self, Int8.self, UInt8.self, UInt16.self].map { ObjectIdentifier($0) }
    static let longTypes: [ObjectIdentifier] = [Int64.self, Int.self, UInt32.self, UInt.self, UInt64.self].map { ObjectIdentifier($0) }

    /// The primitive field type of a Swift scalar type, or nil.
    static func scalarFieldType(_ t: Any.Type) -> HollowFieldType? {
        let id = ObjectIdentifier(t)
        if intTypes.contains(id) { return .int }
        if longTypes.contains(id) { return .long }
        if t == Bool.self { return .boolean }
        if t == Float.self { return .float }
        if t == Double.self { return .double }
        if t == String.self { return .string }
        if t is any HollowBytesMarker.Type { return .bytes }
        return nil
    }

    static func boxedName(_ ft: HollowFieldType) -> String {
        switch ft {
        case .int: "Integer"
        case .long: "Long"
        case .boolean: "Boolean"
        case .float: "Float"
        case .double: "Double"
        case .string: "String"
        case .bytes: "Bytes"
        case .reference: "Reference"
        }
    }

    static func defaultName(_ t: Any.Type) -> String {
        if let c = t as? any HollowTypeConfiguration.Type, let n = c.hollowTypeName { return n }
        var name = String(describing: t)
        if let lt = name.firstIndex(of: "<") { name = String(name[..<lt]) }
        if let dot = name.lastIndex(of: ".") { name = String(name[name.index(after: dot)...]) }
        return name
    }

    func mapperType(for t: any Decodable.Type, nameOverride: String?, hashKey: [String]??) throws -> MapperType {
        if nameOverride == nil, hashKey == nil, let known = byType[ObjectIdentifier(t)] { return known }
        if let o = t as? any HollowOptionalMarker.Type {
            return try mapperType(for: o.hollowWrappedType, nameOverride: nameOverride, hashKey: hashKey)
        }
        let mt: MapperType
        if let ft = Self.scalarFieldType(t) {
            guard ft != .bytes else { throw HollowWriteError(.unsupported, "[UInt8] is a BYTES field, not a type of its own") }
            return try boxedType(ft, nameOverride: nameOverride)
        } else if let l = t as? any HollowListMarker.Type {
            let element = try mapperType(for: l.hollowElementType, nameOverride: nil, hashKey: nil)
            return try listType(element: element, nameOverride: nameOverride, swiftType: t)
        } else if let s = t as? any HollowSetMarker.Type {
            let element = try mapperType(for: s.hollowElementType, nameOverride: nil, hashKey: nil)
            return try setType(element: element, nameOverride: nameOverride, hashKey: hashKey, swiftType: t)
        } else if let m = t as? any HollowMapMarker.Type {
            let key = try mapperType(for: m.hollowKeyType, nameOverride: nil, hashKey: nil)
            let value = try mapperType(for: m.hollowValueType, nameOverride: nil, hashKey: nil)
            return try mapType(key: key, value: value, nameOverride: nameOverride, hashKey: hashKey, swiftType: t)
        } else if let cases = enumCases(t) {
            let name = nameOverride ?? Self.defaultName(t)
            if let existing = byName[name] { return existing }
            _ = cases
            mt = MapperType(name: name, kind: .enumName)
            mt.schema = .object(HollowObjectSchema(name: name, fields: [.init(name: "_name", type: .string)]))
            try register(mt, t, numShards: nil)
        } else {
            let name = nameOverride ?? Self.defaultName(t)
            if let existing = byName[name] {
                guard existing.swiftType == nil || existing.swiftType == ObjectIdentifier(t) else {
                    throw HollowWriteError(.schemaConflict, "type name \(name) is used by two Swift types")
                }
                return existing
            }
            let config = t as? any HollowTypeConfiguration.Type
            mt = MapperType(name: name, kind: .object)
            mt.swiftType = ObjectIdentifier(t)
            byName[name] = mt  // in progress: self references resolve to it
            byType[ObjectIdentifier(t)] = mt
            let discovery = DiscoveryDecoder(mapper: self, owner: mt, config: config)
            do {
                _ = try t.init(from: discovery)
            } catch let e as HollowWriteError {
                byName[name] = nil
                byType[ObjectIdentifier(t)] = nil
                throw e
            } catch {
                byName[name] = nil
                byType[ObjectIdentifier(t)] = nil
                throw HollowWriteError(.unsupported, "cannot discover the fields of \(t): \(error)")
            }
            mt.primaryKey = config?.hollowPrimaryKey
            mt.schema = .object(
                HollowObjectSchema(
                    name: name, fields: mt.fields.map { .init(name: $0.name, type: $0.type, referencedType: $0.ref?.name) },
                    primaryKey: config?.hollowPrimaryKey))
            try engine.addTypeState(mt.schema, numShards: config?.hollowNumShards)
            return mt
        }
        return mt
    }

    private func register(_ mt: MapperType, _ t: Any.Type?, numShards: Int?) throws {
        byName[mt.name] = mt
        if case .boxed = mt.kind {} else if let t { byType[ObjectIdentifier(t)] = mt }
        try engine.addTypeState(mt.schema, numShards: numShards)
    }

    /// The boxed type of a scalar (`String`, `Integer`, ...) with its one field `value`.
    func boxedType(_ ft: HollowFieldType, nameOverride: String?) throws -> MapperType {
        let name = nameOverride ?? Self.boxedName(ft)
        if let existing = byName[name] { return existing }
        let mt = MapperType(name: name, kind: .boxed(ft))
        mt.schema = .object(HollowObjectSchema(name: name, fields: [.init(name: "value", type: ft)]))
        try register(mt, nil, numShards: nil)
        return mt
    }

    /// `ListOf<Element>` (or `nameOverride`).
    func listType(element: MapperType, nameOverride: String?, swiftType t: Any.Type?) throws -> MapperType {
        let name = nameOverride ?? "ListOf\(element.name)"
        if let existing = byName[name] { return existing }
        let mt = MapperType(name: name, kind: .list)
        mt.element = element
        mt.schema = .list(HollowListSchema(name: name, elementType: element.name))
        try register(mt, t, numShards: nil)
        return mt
    }

    /// `SetOf<Element>` (or `nameOverride`); `hashKey` nil = the element's default hash key.
    func setType(element: MapperType, nameOverride: String?, hashKey: [String]??, swiftType t: Any.Type?) throws -> MapperType {
        let name = nameOverride ?? "SetOf\(element.name)"
        if let existing = byName[name] { return existing }
        let mt = MapperType(name: name, kind: .set)
        mt.element = element
        let key = hashKey ?? element.defaultHashKey
        mt.schema = .set(HollowSetSchema(name: name, elementType: element.name, hashKey: key))
        try register(mt, t, numShards: nil)
        return mt
    }

    /// `MapOf<Key>To<Value>` (or `nameOverride`); `hashKey` nil = the key type's default hash key.
    func mapType(key: MapperType, value: MapperType, nameOverride: String?, hashKey: [String]??, swiftType t: Any.Type?) throws -> MapperType {
        let name = nameOverride ?? "MapOf\(key.name)To\(value.name)"
        if let existing = byName[name] { return existing }
        let mt = MapperType(name: name, kind: .map)
        mt.key = key
        mt.value = value
        mt.schema = .map(HollowMapSchema(name: name, keyType: key.name, valueType: value.name, hashKey: hashKey ?? key.defaultHashKey))
        try register(mt, t, numShards: nil)
        return mt
    }

    /// The registered type called `name`, if any.
    func registeredType(named name: String) -> MapperType? { byName[name] }

    /// Starts registering an OBJECT type: reserves its name (self references resolve to it).
    func beginObjectType(_ name: String, swiftType t: Any.Type) throws -> (MapperType, isNew: Bool) {
        if let existing = byName[name] {
            guard existing.swiftType == nil || existing.swiftType == ObjectIdentifier(t) else {
                throw HollowWriteError(.schemaConflict, "type name \(name) is used by two Swift types")
            }
            return (existing, false)
        }
        let mt = MapperType(name: name, kind: .object)
        mt.swiftType = ObjectIdentifier(t)
        byName[name] = mt
        byType[ObjectIdentifier(t)] = mt
        return (mt, true)
    }

    /// Forgets an OBJECT type whose registration failed.
    func abandonObjectType(_ mt: MapperType, swiftType t: Any.Type) {
        byName[mt.name] = nil
        byType[ObjectIdentifier(t)] = nil
    }

    /// The mapper type of a Swift type registered before, if any.
    func knownType(_ t: Any.Type) -> MapperType? { byType[ObjectIdentifier(t)] }

    /// Registers a finished OBJECT type's schema with the engine.
    func finishObjectType(_ mt: MapperType, primaryKey: [String]?, numShards: Int?) throws {
        mt.primaryKey = primaryKey
        mt.schema = .object(
            HollowObjectSchema(
                name: mt.name, fields: mt.fields.map { .init(name: $0.name, type: $0.type, referencedType: $0.ref?.name) },
                primaryKey: primaryKey))
        try engine.addTypeState(mt.schema, numShards: numShards)
    }

    /// Called by discovery for each field of an object type.
    func discoverField(_ owner: MapperType, _ name: String, _ t: Any.Type, optional: Bool, config: (any HollowTypeConfiguration.Type)?) throws {
        guard owner.fieldIndex[name] == nil else { return }
        var t = t
        var optional = optional
        if let o = t as? any HollowOptionalMarker.Type {
            t = o.hollowWrappedType
            optional = true
        }
        let inline = config?.hollowInlineFields.contains(name) ?? false
        var field = MapperField(name: name, type: .reference, ref: nil, optional: optional)
        if let ft = Self.scalarFieldType(t) {
            if ft == .bytes || ft == .string && inline || ft != .string && (inline || !optional) {
                field.type = ft
            } else {
                field.ref = try mapperType(for: t as! any Decodable.Type, nameOverride: nil, hashKey: nil)
            }
        } else {
            guard let d = t as? any Decodable.Type else {
                throw HollowWriteError(.unsupported, "field \(owner.name).\(name) has a type that is not Codable")
            }
            let key: [String]?? = config?.hollowHashKeys[name].map { Optional($0) }
            field.ref = try mapperType(for: d, nameOverride: config?.hollowFieldTypeNames[name], hashKey: key)
        }
        owner.fieldIndex[name] = owner.fields.count
        owner.fields.append(field)
    }

    // MARK: Writing
    //
    // The hot path avoids `Any`: values keep their static type down to the field encoder (metatype
    // comparisons instead of `as?` casts), each MapperType remembers the Swift type it last wrote and the
    // collection conformance of that type, and records are encoded straight into reused byte buffers that
    // go to the engine's ordinal map (`addEncoded`), with no intermediate `HollowObjectWriteRecord`.

    /// Writes `value` as a record of `mt`; nil for a nil optional.
    @inline(__always)
    func writeOptional<T: Encodable>(_ value: T, as mt: MapperType) throws -> Int? {
        if ObjectIdentifier(T.self) != mt.directType {
            if let o = value as? any HollowOptionalMarker {
                guard let w = o.hollowWrapped else { return nil }
                return try writeOpened(w, as: mt)
            }
            try mt.learn(T.self)
        }
        return try writeDirect(value, as: mt)
    }

    private func writeOpened(_ value: any Encodable, as mt: MapperType) throws -> Int? {
        try writeOptional(value, as: mt)
    }

    func write<T: Encodable>(_ value: T, as mt: MapperType) throws -> Int {
        guard let o = try writeOptional(value, as: mt) else {
            throw HollowWriteError(.invalidValue, "nil where a \(mt.name) record is needed (collections cannot hold null)")
        }
        return o
    }

    /// The engine's write state of `mt` (cached).
    @inline(__always)
    func writeState(_ mt: MapperType) throws -> TypeWriteState {
        if let s = mt.writeState { return s }
        let s = try engine.typeStateForAdding(mt.name)
        mt.writeState = s
        return s
    }

    /// Writes a value whose Swift type `mt` has learned (`mt.directType == T`).
    private func writeDirect<T: Encodable>(_ value: T, as mt: MapperType) throws -> Int {
        switch mt.kind {
        case .boxed(let ft):
            boxBuffer.removeAll(keepingCapacity: true)
            try encodeScalar(value, as: ft, nullNaN: true, into: &boxBuffer) { "\(mt.name).value" }
            return try engine.addEncoded(boxBuffer, to: writeState(mt))
        case .enumName:
            boxBuffer.removeAll(keepingCapacity: true)
            FieldEncoding.string(&boxBuffer, enumRawValue(value) ?? "\(value)")
            return try engine.addEncoded(boxBuffer, to: writeState(mt))
        case .object:
            if let r = mt.recordMarker {
                func open<R: HollowRecord>(_: R.Type) throws -> Int { try writeRecord(unsafeBitCast(value, to: R.self), as: mt) }
                return try open(r)
            }
            let encoder = acquireEncoder(mt)
            defer { encoderDepth -= 1 }
            try value.encode(to: encoder)
            if let error = encoder.error { throw error }
            if encoder.outOfOrder {
                // A custom encode(to:) that visits fields out of schema order: collect values, then encode.
                guard case .object(let s) = mt.schema else { fatalError("object type has an object schema") }
                let slow = ValueRecordEncoder(mapper: self, type: mt, record: HollowObjectWriteRecord(schema: s))
                try value.encode(to: slow)
                if let error = slow.error { throw error }
                encoder.buffer.removeAll(keepingCapacity: true)
                slow.record.encode(into: &encoder.buffer)
            } else {
                encoder.finish()
            }
            return try engine.addEncoded(encoder.buffer, to: writeState(mt))
        case .list:
            let ordinals = try mt.listMarker!.hollowWriteElements(of: value, ElementSink(mapper: self, type: mt.element!))
            collectionBuffer.removeAll(keepingCapacity: true)
            HollowWriteStateEngine.encodeList(ordinals, into: &collectionBuffer)
            return try engine.addEncoded(collectionBuffer, to: writeState(mt))
        case .set:
            let ordinals = try mt.setMarker!.hollowWriteElements(of: value, ElementSink(mapper: self, type: mt.element!))
            collectionBuffer.removeAll(keepingCapacity: true)
            HollowWriteStateEngine.encodeSet(ordinals, into: &collectionBuffer)
            return try engine.addEncoded(collectionBuffer, to: writeState(mt))
        case .map:
            let entries = try mt.mapMarker!.hollowWriteEntries(
                of: value, keys: ElementSink(mapper: self, type: mt.key!), values: ElementSink(mapper: self, type: mt.value!))
            collectionBuffer.removeAll(keepingCapacity: true)
            HollowWriteStateEngine.encodeMap(entries, into: &collectionBuffer)
            return try engine.addEncoded(collectionBuffer, to: writeState(mt))
        }
    }

    /// An encoder for one object record at the current nesting depth (reused across records).
    private func acquireEncoder(_ mt: MapperType) -> ObjectRecordEncoder {
        if encoderDepth == encoderPool.count { encoderPool.append(ObjectRecordEncoder(mapper: self)) }
        let e = encoderPool[encoderDepth]
        encoderDepth += 1
        e.begin(mt)
        return e
    }

    /// Encodes a Swift scalar as a field of type `ft` (NaN as null when `nullNaN`); compares metatypes, and
    /// falls back to the converting ``scalar(_:as:nullNaN:field:)`` for other types.
    @inline(__always)
    func encodeScalar<T>(_ value: T, as ft: HollowFieldType, nullNaN: Bool, into buf: inout [UInt8],
                         field: () -> String) throws {
        switch ft {
        case .int:
            if let v = exactly(value, Int32.self) { return FieldEncoding.int(&buf, v) }
        case .long:
            if let v = exactly(value, Int64.self) { return FieldEncoding.long(&buf, v) }
            if let v = exactly(value, Int.self) { return FieldEncoding.long(&buf, Int64(v)) }
        case .boolean:
            if let v = exactly(value, Bool.self) { return FieldEncoding.boolean(&buf, v) }
        case .float:
            if let v = exactly(value, Float.self) {
                return nullNaN && v.isNaN ? FieldEncoding.null(&buf, .float) : FieldEncoding.float(&buf, v)
            }
        case .double:
            if let v = exactly(value, Double.self) {
                return nullNaN && v.isNaN ? FieldEncoding.null(&buf, .double) : FieldEncoding.double(&buf, v)
            }
        case .string:
            if let v = exactly(value, String.self) { return FieldEncoding.string(&buf, v) }
        case .bytes, .reference:
            break
        }
        var any: Any = value
        if let o = any as? any HollowOptionalMarker {
            guard let w = o.hollowWrapped else { return FieldEncoding.null(&buf, ft) }
            any = w
        }
        FieldEncoding.value(&buf, try Self.scalar(any, as: ft, nullNaN: nullNaN, field: field()), as: ft)
    }

    private func mismatch(_ value: Any, _ mt: MapperType) -> HollowWriteError {
        HollowWriteError(.schemaMismatch, "a \(type(of: value)) cannot be written as \(mt.name)")
    }

    /// Converts a Swift scalar to a field value of type `ft`; NaN becomes null when `nullNaN`.
    static func scalar(_ value: Any, as ft: HollowFieldType, nullNaN: Bool, field: String) throws -> HollowFieldValue? {
        func bad() -> HollowWriteError {
            HollowWriteError(.schemaMismatch, "field \(field) is \(ft.rawValue); got a \(type(of: value))")
        }
        switch ft {
        case .int:
            switch value {
            case let v as Int32: return .int(v)
            case let v as Int16: return .int(Int32(v))
            case let v as Int8: return .int(Int32(v))
            case let v as UInt8: return .int(Int32(v))
            case let v as UInt16: return .int(Int32(v))
            case let v as Int:
                guard let x = Int32(exactly: v) else { throw HollowWriteError(.invalidValue, "\(v) does not fit INT field \(field)") }
                return .int(x)
            default: throw bad()
            }
        case .long:
            switch value {
            case let v as Int64: return .long(v)
            case let v as Int: return .long(Int64(v))
            case let v as UInt32: return .long(Int64(v))
            case let v as UInt: return .long(Int64(bitPattern: UInt64(v)))
            case let v as UInt64: return .long(Int64(bitPattern: v))
            case let v as Int32: return .long(Int64(v))
            default: throw bad()
            }
        case .boolean:
            guard let v = value as? Bool else { throw bad() }
            return .boolean(v)
        case .float:
            guard let v = value as? Float else { throw bad() }
            return nullNaN && v.isNaN ? nil : .float(v)
        case .double:
            guard let v = value as? Double else { throw bad() }
            return nullNaN && v.isNaN ? nil : .double(v)
        case .string:
            guard let v = value as? String else { throw bad() }
            return .string(v)
        case .bytes:
            guard let v = value as? [UInt8] else { throw bad() }
            return .bytes(v)
        case .reference:
            throw bad()
        }
    }
}

/// One field of a record type, as ``HollowRecordWriter`` checks it.
@usableFromInline
struct RecordFieldSlot {
    let kind: HollowFieldType
    /// The referenced type (unretained: `MapperType.fields` holds it).
    let ref: Unmanaged<MapperType>?
}

/// How the mapper writes one Swift type.
@usableFromInline
final class MapperType {
    enum Kind { case boxed(HollowFieldType), enumName, object, list, set, map }
    let name: String
    let kind: Kind
    var schema: HollowSchema = .list(HollowListSchema(name: "", elementType: ""))
    var swiftType: ObjectIdentifier?
    var fields: [MapperField] = [] {
        didSet {
            fieldTypes = fields.map(\.type)
            let new = UnsafeMutablePointer<RecordFieldSlot>.allocate(capacity: max(1, fields.count))
            for (i, f) in fields.enumerated() { (new + i).initialize(to: RecordFieldSlot(kind: f.type, ref: f.ref.map { .passUnretained($0) })) }
            slots.deallocate()
            slots = new
        }
    }
    /// The types of `fields`.
    private(set) var fieldTypes: [HollowFieldType] = []
    /// The type and referenced type of each field, for ``HollowRecordWriter``'s checks (the references are
    /// held by `fields`).
    private(set) var slots = UnsafeMutablePointer<RecordFieldSlot>.allocate(capacity: 1)
    var fieldIndex: [String: Int] = [:]
    var primaryKey: [String]?
    var element: MapperType?
    var key: MapperType?
    var value: MapperType?
    /// The engine's state of this type, once looked up.
    var writeState: TypeWriteState?
    /// The Swift type last written as this type; values of it need no further type checks.
    var directType: ObjectIdentifier?
    /// How to write that Swift type: its collection conformance, or its ``HollowRecord`` conformance.
    var listMarker: (any HollowListMarker.Type)?
    var setMarker: (any HollowSetMarker.Type)?
    var mapMarker: (any HollowMapMarker.Type)?
    var recordMarker: (any HollowRecord.Type)?
    /// Registered from a ``HollowRecord`` schema (not discovered through Codable).
    var isRecordSchema = false

    init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    deinit { slots.deallocate() }

    /// True if this is the record type of the ``HollowRecord`` type `id`.
    @usableFromInline
    func writes(_ id: ObjectIdentifier) -> Bool { swiftType == id && isRecordSchema }

    @usableFromInline
    func cannotWrite(_ t: Any.Type) -> HollowWriteError {
        HollowWriteError(.schemaMismatch, "a \(t) cannot be written as \(name)")
    }

    /// Checks once that values of `t` can be written as this type and remembers how.
    func learn(_ t: Any.Type) throws {
        func mismatch() -> HollowWriteError {
            HollowWriteError(.schemaMismatch, "a \(t) cannot be written as \(name)")
        }
        switch kind {
        case .list:
            guard let m = t as? any HollowListMarker.Type else { throw mismatch() }
            listMarker = m
        case .set:
            guard let m = t as? any HollowSetMarker.Type else { throw mismatch() }
            setMarker = m
        case .map:
            guard let m = t as? any HollowMapMarker.Type else { throw mismatch() }
            mapMarker = m
        case .object:
            recordMarker = isRecordSchema && swiftType == ObjectIdentifier(t) ? t as? any HollowRecord.Type : nil
        case .boxed, .enumName:
            break
        }
        directType = ObjectIdentifier(t)
    }

    /// Java's `getDefaultElementHashKey`: the primary key, or the only field when it is not a reference.
    var defaultHashKey: [String]? {
        switch kind {
        case .boxed: return ["value"]
        case .enumName: return ["_name"]
        case .object:
            if let pk = primaryKey { return pk }
            if fields.count == 1, fields[0].type != .reference { return [fields[0].name] }
            return nil
        default: return nil
        }
    }
}

struct MapperField {
    var name: String
    var type: HollowFieldType
    var ref: MapperType?
    var optional: Bool
}

// MARK: - Enums

func enumCases(_ t: Any.Type) -> [Any]? {
    func cases<E: CaseIterable>(_ e: E.Type) -> [Any] { Array(e.allCases) }
    func rawIsString<R: RawRepresentable>(_ r: R.Type) -> Bool { R.RawValue.self == String.self }
    guard let ci = t as? any CaseIterable.Type, let rr = t as? any RawRepresentable.Type, rawIsString(rr) else { return nil }
    return cases(ci)
}

func enumRawValue(_ v: Any) -> String? {
    func raw<R: RawRepresentable>(_ r: R) -> Any { r.rawValue }
    guard let r = v as? any RawRepresentable else { return nil }
    return raw(r) as? String
}

/// `value` as a `U` when its static type is `U` (a metatype comparison, no dynamic cast).
@inline(__always)
func exactly<T, U>(_ value: T, _: U.Type) -> U? {
    T.self == U.self ? unsafeBitCast(value, to: U.self) : nil
}

/// Writes collection elements (keys, values) as records of one mapper type.
struct ElementSink {
    let mapper: HollowObjectMapper
    let type: MapperType

    @inline(__always)
    func write<E: Encodable>(_ e: E) throws -> Int { try mapper.write(e, as: type) }
}
