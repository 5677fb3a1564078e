// The producer path without Codable: types that declare their Hollow schema and write their own fields.

/// A type that declares its Hollow schema and writes its fields itself, straight into the engine's record
/// encoding: no Codable, no dynamic casts, no boxing. ``HollowObjectMapper/add(_:)-(HollowRecord)`` and
/// `HollowProducer.WriteState.add(_:)` write it.
///
/// The schema and naming follow the Codable mapper's (Java `HollowObjectMapper`'s) conventions, so a
/// `HollowRecord` type and a `Codable` type with the same declarations give byte-identical states. The
/// conformance is mechanical, the kind of code a generator or macro emits: one schema call per field, and
/// in `hollowWrite(to:)` one write per field, in the same order.
///
/// ```swift
/// struct Movie: HollowRecord {                      // Codable: struct Movie: Codable, HollowTypeConfiguration
///     var id: Int32                                 //   static let hollowPrimaryKey = ["id"]
///     var title: String                             //   static let hollowInlineFields: Set = ["title"]
///     var originalTitle: String?                    //   (a reference to type String)
///     var cast: [Actor]
///
///     static func hollowSchema(_ s: inout HollowRecordSchema) {
///         s.primaryKey = ["id"]
///         s.int("id")
///         s.string("title")
///         s.reference("originalTitle", String.self)
///         s.list("cast", of: Actor.self)
///     }
///
///     func hollowWrite(to w: inout HollowRecordWriter) throws {
///         try w.int(id)
///         try w.string(title)
///         try w.reference(originalTitle)
///         try w.list(cast)
///     }
/// }
/// ```
public protocol HollowRecord: HollowElement {
    /// Declares the type's name (default: the Swift type's name), primary key and fields, in order.
    static func hollowSchema(_ schema: inout HollowRecordSchema)
    /// Writes every declared field, in declaration order.
    /// - Throws: ``HollowWriteError`` when a write does not fit the declared field.
    func hollowWrite(to record: inout HollowRecordWriter) throws
}

/// A value that can be a record on its own: a ``HollowRecord``, or a scalar written as Java's boxed type
/// (`String`, `Integer`, `Long`, `Boolean`, `Float`, `Double`). Elements, keys and values of collections
/// and referenced fields are `HollowElement`s.
public protocol HollowElement {
    /// What the element maps to.
    static var hollowElementType: HollowElementType { get }
    /// Adds the element as a record through `writer`; returns its ordinal.
    func hollowAdd(to writer: HollowElementWriter) throws -> Int
}

/// The Hollow type an element maps to: a ``HollowRecord`` type or a boxed scalar type.
public struct HollowElementType: Sendable {
    enum Kind: @unchecked Sendable {
        case record(any HollowRecord.Type)
        case boxed(HollowFieldType)
    }
    let kind: Kind

    /// The OBJECT type of a record type.
    public static func record<R: HollowRecord>(_ type: R.Type) -> Self { Self(kind: .record(type)) }
    /// A boxed scalar type (`String` for `.string`, `Integer` for `.int`, ...).
    public static func boxed(_ type: HollowFieldType) -> Self { Self(kind: .boxed(type)) }
}

extension HollowRecord {
    public static var hollowElementType: HollowElementType { .record(Self.self) }
    @inlinable
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int { try writer.add(self) }
}

extension String: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.string) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.string, String.self) { FieldEncoding.string(&$0, self) }
    }
}

extension Int32: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.int) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.int, Int32.self) { FieldEncoding.int(&$0, self) }
    }
}

extension Int64: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.long) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.long, Int64.self) { FieldEncoding.long(&$0, self) }
    }
}

extension Int: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.long) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.long, Int.self) { FieldEncoding.long(&$0, Int64(self)) }
    }
}

extension Bool: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.boolean) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.boolean, Bool.self) { FieldEncoding.boolean(&$0, self) }
    }
}

extension Float: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.float) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.float, Float.self) { isNaN ? FieldEncoding.null(&$0, .float) : FieldEncoding.float(&$0, self) }
    }
}

extension Double: HollowElement {
    public static var hollowElementType: HollowElementType { .boxed(.double) }
    public func hollowAdd(to writer: HollowElementWriter) throws -> Int {
        try writer.addBoxed(.double, Double.self) { isNaN ? FieldEncoding.null(&$0, .double) : FieldEncoding.double(&$0, self) }
    }
}

// MARK: - Schema

/// The schema a ``HollowRecord`` type declares: its name, primary key, shard count and fields in order.
/// Inline fields (`int`, `long`, ..., `string`, `bytes`) are stored in the record; `reference`, `list`,
/// `set` and `map` fields reference records of other types, named as Java's object mapper names them
/// (`ListOfActor`, `SetOfGenre`, `MapOfCountryToReleaseInfo`, boxed `String`, ...).
public struct HollowRecordSchema {
    enum Field {
        case inline(String, HollowFieldType)
        case reference(String, HollowElementType)
        case list(String, HollowElementType, typeName: String?)
        case set(String, HollowElementType, hashKey: [String]?, typeName: String?)
        case map(String, key: HollowElementType, value: HollowElementType, hashKey: [String]?, typeName: String?)
    }

    /// The Hollow type name (`@HollowTypeName`); starts as the Swift type's name.
    public var typeName: String
    /// Primary key field paths (`@HollowPrimaryKey`).
    public var primaryKey: [String]?
    /// A fixed shard count (`@HollowShardLargeType`); nil = chosen from the data size.
    public var numShards: Int?
    var fields: [Field] = []

    init(typeName: String) { self.typeName = typeName }

    /// An `INT` field (write `Int32`; `Int32.min` and nil are null).
    public mutating func int(_ name: String) { fields.append(.inline(name, .int)) }
    /// A `LONG` field (write `Int64`; `Int64.min` and nil are null).
    public mutating func long(_ name: String) { fields.append(.inline(name, .long)) }
    /// A `FLOAT` field.
    public mutating func float(_ name: String) { fields.append(.inline(name, .float)) }
    /// A `DOUBLE` field.
    public mutating func double(_ name: String) { fields.append(.inline(name, .double)) }
    /// A `BOOLEAN` field.
    public mutating func boolean(_ name: String) { fields.append(.inline(name, .boolean)) }
    /// An inline `STRING` field (`@HollowInline String`).
    public mutating func string(_ name: String) { fields.append(.inline(name, .string)) }
    /// A `BYTES` field (`byte[]`).
    public mutating func bytes(_ name: String) { fields.append(.inline(name, .bytes)) }

    /// A reference to a record of `type`: another ``HollowRecord`` type, or a boxed scalar type
    /// (`String.self` → type `String`, `Int32.self` → `Integer`, ...).
    public mutating func reference<E: HollowElement>(_ name: String, _ type: E.Type) {
        fields.append(.reference(name, E.hollowElementType))
    }

    /// A reference to a LIST of `element` (type `ListOf<Element>` unless `typeName` is given).
    public mutating func list<E: HollowElement>(_ name: String, of element: E.Type, typeName: String? = nil) {
        fields.append(.list(name, E.hollowElementType, typeName: typeName))
    }

    /// A reference to a SET of `element` (type `SetOf<Element>` unless `typeName` is given).
    /// - Parameter hashKey: the hash key (`@HollowHashKey`); nil = the element's primary key or its only
    ///   field when that is not a reference (Java's default), `[]` = no hash key.
    public mutating func set<E: HollowElement>(_ name: String, of element: E.Type, hashKey: [String]? = nil, typeName: String? = nil) {
        fields.append(.set(name, E.hollowElementType, hashKey: hashKey, typeName: typeName))
    }

    /// A reference to a MAP from `key` to `value` (type `MapOf<Key>To<Value>` unless `typeName` is given).
    /// - Parameter hashKey: as for ``set(_:of:hashKey:typeName:)``, on the key type.
    public mutating func map<K: HollowElement, V: HollowElement>(
        _ name: String, key: K.Type, value: V.Type, hashKey: [String]? = nil, typeName: String? = nil
    ) {
        fields.append(.map(name, key: K.hollowElementType, value: V.hollowElementType, hashKey: hashKey, typeName: typeName))
    }
}

// MARK: - Writing
//
// The generic entry points (`reference`, `list`, `set`, `map`, `HollowElementWriter.add`, `writeRecord`)
// are `@inlinable`: they are specialized in the module that declares the record types, so writing a
// record's references and collections calls the element types' `hollowWrite(to:)` directly, with no
// generic metadata instantiated per call. Everything they do beyond iterating the caller's values is in
// the non-generic `@usableFromInline` helpers below them.
//
// Records are encoded on the mapper's `RecordStack` (a referenced record or collection on top of the record
// that references it), and the writers hold their mapper and type unretained: writing a record allocates
// nothing and touches no reference count.

/// Writes the fields of one record, in schema order, straight into its encoding. Each call writes the next
/// declared field and checks that it has the declared kind. A writer is valid only inside the
/// ``HollowRecord/hollowWrite(to:)`` call it is given to.
public struct HollowRecordWriter {
    @usableFromInline unowned(unsafe) let mapper: HollowObjectMapper
    @usableFromInline unowned(unsafe) let type: MapperType
    @usableFromInline let stack: UnsafeMutablePointer<RecordStack>
    @usableFromInline let slots: UnsafeMutablePointer<RecordFieldSlot>
    @usableFromInline let fieldCount: Int
    /// Where this record starts on the stack.
    @usableFromInline let start: Int
    @usableFromInline var next = 0

    init(mapper: HollowObjectMapper, type: MapperType) {
        self.mapper = mapper
        self.type = type
        stack = mapper.recordStack
        slots = type.slots
        fieldCount = type.fields.count
        start = mapper.recordStack.pointee.top
    }

    /// Checks that the next declared field has kind `kind`, and moves past it; returns its index.
    @inline(__always)
    @usableFromInline
    mutating func nextField(_ kind: HollowFieldType, _ call: StaticString) throws(HollowWriteError) -> Int {
        let i = next
        guard i < fieldCount, slots[i].kind == kind else { throw fieldMismatch(kind, call) }
        next = i &+ 1
        return i
    }

    private func fieldMismatch(_ kind: HollowFieldType, _ call: StaticString) -> HollowWriteError {
        guard next < type.fields.count else {
            return HollowWriteError(.schemaMismatch, "\(type.name) declares \(type.fields.count) fields; \(call) writes one more")
        }
        let f = type.fields[next]
        return HollowWriteError(.schemaMismatch, "field \(type.name).\(f.name) is \(f.type.rawValue); \(call) writes \(kind.rawValue)")
    }

    /// Writes the next field, an `INT` (nil and `Int32.min` are null).
    public mutating func int(_ value: Int32?) throws(HollowWriteError) {
        _ = try nextField(.int, "int")
        if let value { FieldEncoding.int(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .int) }
    }

    /// Writes the next field, a `LONG` (nil and `Int64.min` are null).
    public mutating func long(_ value: Int64?) throws(HollowWriteError) {
        _ = try nextField(.long, "long")
        if let value { FieldEncoding.long(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .long) }
    }

    /// Writes the next field, a `FLOAT` from a Java primitive `float`: NaN is null.
    public mutating func float(_ value: Float) throws(HollowWriteError) {
        _ = try nextField(.float, "float")
        if value.isNaN { FieldEncoding.null(&stack.pointee, .float) } else { FieldEncoding.float(&stack.pointee, value) }
    }

    /// Writes the next field, a nullable `FLOAT` (a boxed `Float`: NaN stays NaN, nil is null).
    public mutating func float(_ value: Float?) throws(HollowWriteError) {
        _ = try nextField(.float, "float")
        if let value { FieldEncoding.float(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .float) }
    }

    /// Writes the next field, a `DOUBLE` from a Java primitive `double`: NaN is null.
    public mutating func double(_ value: Double) throws(HollowWriteError) {
        _ = try nextField(.double, "double")
        if value.isNaN { FieldEncoding.null(&stack.pointee, .double) } else { FieldEncoding.double(&stack.pointee, value) }
    }

    /// Writes the next field, a nullable `DOUBLE` (a boxed `Double`: NaN stays NaN, nil is null).
    public mutating func double(_ value: Double?) throws(HollowWriteError) {
        _ = try nextField(.double, "double")
        if let value { FieldEncoding.double(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .double) }
    }

    /// Writes the next field, a `BOOLEAN` (nil is null).
    public mutating func boolean(_ value: Bool?) throws(HollowWriteError) {
        _ = try nextField(.boolean, "boolean")
        if let value { FieldEncoding.boolean(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .boolean) }
    }

    /// Writes the next field, an inline `STRING` (nil is null).
    public mutating func string(_ value: String?) throws(HollowWriteError) {
        _ = try nextField(.string, "string")
        if let value { FieldEncoding.string(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .string) }
    }

    /// Writes the next field, `BYTES` (nil is null).
    public mutating func bytes(_ value: [UInt8]?) throws(HollowWriteError) {
        _ = try nextField(.bytes, "bytes")
        if let value { FieldEncoding.bytes(&stack.pointee, value) } else { FieldEncoding.null(&stack.pointee, .bytes) }
    }

    /// Writes the next field, a reference: adds `value` as a record of the referenced type (nil is null).
    @inlinable
    public mutating func reference<E: HollowElement>(_ value: E?) throws {
        let target = try referenceField()
        guard let value else { return putNull() }
        putReference(try value.hollowAdd(to: target))
    }

    /// Writes the next field, a reference to a LIST of `elements`, in order (nil is null).
    @inlinable
    public mutating func list<S: Sequence>(_ elements: S?) throws where S.Element: HollowElement {
        try putElements(.list, "list", elements)
    }

    /// Writes the next field, a reference to a SET of `elements` (nil is null). The elements are added in
    /// the order given, which decides the ordinals of new element records.
    @inlinable
    public mutating func set<S: Sequence>(_ elements: S?) throws where S.Element: HollowElement {
        try putElements(.set, "set", elements)
    }

    /// A LIST or SET field: each element added to the element type, its ordinal pushed on the ordinal stack (taken
    /// off again when an element fails), then the collection record.
    @inlinable @inline(__always)
    mutating func putElements<S: Sequence>(_ kind: HollowSchema.Kind, _ call: StaticString, _ elements: S?) throws
    where S.Element: HollowElement {
        let target = try collectionField(kind, call)
        guard let elements else { return putNull() }
        let base = stack.pointee.ordinalTop
        do {
            for e in elements { stack.pointee.pushOrdinal(try e.hollowAdd(to: target)) }
        } catch {
            stack.pointee.ordinalTop = base
            throw error
        }
        try putCollection(kind, from: base)
    }

    /// Writes the next field, a reference to a MAP of `entries` (nil is null). Keys and values are added
    /// entry by entry in the order given (a `Dictionary` in its iteration order).
    @inlinable
    public mutating func map<S: Sequence, K: HollowElement, V: HollowElement>(_ entries: S?) throws
    where S.Element == (key: K, value: V) {
        let (keys, values) = try mapField()
        guard let entries else { return putNull() }
        let base = stack.pointee.ordinalTop
        do {
            for e in entries {
                stack.pointee.pushOrdinal(try e.key.hollowAdd(to: keys))
                stack.pointee.pushOrdinal(try e.value.hollowAdd(to: values))
            }
        } catch {
            stack.pointee.ordinalTop = base
            throw error
        }
        try putMap(from: base)
    }

    // Non-generic parts of the generic writes.

    /// Moves past the next field, a reference; returns the writer of the referenced type.
    @usableFromInline
    mutating func referenceField() throws(HollowWriteError) -> HollowElementWriter {
        let i = try nextField(.reference, "reference")
        return HollowElementWriter(mapper: mapper, type: slots[i].ref!.takeUnretainedValue())
    }

    /// Moves past the next field, a reference to a LIST or SET; returns the writer of its element type.
    @usableFromInline
    mutating func collectionField(_ kind: HollowSchema.Kind, _ call: StaticString) throws(HollowWriteError) -> HollowElementWriter {
        let i = try nextField(.reference, call)
        let mt = slots[i].ref!.takeUnretainedValue()
        let matches: Bool
        switch mt.kind {
        case .list: matches = kind == .list
        case .set: matches = kind == .set
        default: matches = false
        }
        guard matches, let element = mt.element else {
            throw HollowWriteError(.schemaMismatch, "field \(type.fields[i].name) references \(mt.name), not a \(kind.rawValue)")
        }
        return HollowElementWriter(mapper: mapper, type: element)
    }

    /// Moves past the next field, a reference to a MAP; returns the writers of its key and value types.
    @usableFromInline
    mutating func mapField() throws(HollowWriteError) -> (HollowElementWriter, HollowElementWriter) {
        let i = try nextField(.reference, "map")
        let mt = slots[i].ref!.takeUnretainedValue()
        guard case .map = mt.kind, let keyType = mt.key, let valueType = mt.value else {
            throw HollowWriteError(.schemaMismatch, "field \(type.fields[i].name) references \(mt.name), not a MAP")
        }
        return (HollowElementWriter(mapper: mapper, type: keyType), HollowElementWriter(mapper: mapper, type: valueType))
    }

    /// Writes a null reference for the field just moved past.
    @usableFromInline
    mutating func putNull() { FieldEncoding.null(&stack.pointee, .reference) }

    /// Writes the ordinal of the field just moved past.
    @usableFromInline
    mutating func putReference(_ ordinal: Int) { FieldEncoding.reference(&stack.pointee, ordinal) }

    /// Adds the LIST or SET record of the field just moved past from the element ordinals on the stack above
    /// `base` (taken off it), and writes its ordinal.
    @usableFromInline
    mutating func putCollection(_ kind: HollowSchema.Kind, from base: Int) throws {
        let mt = slots[next &- 1].ref!.takeUnretainedValue()
        let s = stack
        let elements = s.pointee.ordinals(from: base)
        let recordStart = s.pointee.top
        if kind == .list {
            HollowWriteStateEngine.encodeList(UnsafeBufferPointer(elements), into: &s.pointee)
        } else {
            HollowWriteStateEngine.encodeSet(sorting: elements, into: &s.pointee)
        }
        let ordinal = try addCollection(mt, recordStart: recordStart, base: base)
        putReference(ordinal)
    }

    /// Adds the MAP record of the field just moved past from the key and value ordinals on the stack above
    /// `base`, alternating (taken off it), and writes its ordinal.
    @usableFromInline
    mutating func putMap(from base: Int) throws {
        let mt = slots[next &- 1].ref!.takeUnretainedValue()
        let s = stack
        let pairs = s.pointee.ordinals(from: base)
        let recordStart = s.pointee.top
        HollowWriteStateEngine.encodeMap(pairs: pairs, into: &s.pointee)
        let ordinal = try addCollection(mt, recordStart: recordStart, base: base)
        putReference(ordinal)
    }

    /// Adds the collection record at the top of the byte stack (from `recordStart`) and takes it and its
    /// element ordinals (above `base`) off the stacks, also when the add fails.
    private func addCollection(_ mt: MapperType, recordStart: Int, base: Int) throws -> Int {
        defer {
            stack.pointee.ordinalTop = base
            stack.pointee.top = recordStart
        }
        return try mapper.engine.addEncoded(stack.pointee.record(from: recordStart), to: mapper.writeState(mt))
    }
}

/// Adds an element (a record, a collection element, key or value) as a record of one Hollow type. Valid only
/// inside the ``HollowRecord/hollowWrite(to:)`` call whose writer made it.
public struct HollowElementWriter {
    @usableFromInline unowned(unsafe) let mapper: HollowObjectMapper
    @usableFromInline unowned(unsafe) let type: MapperType

    @usableFromInline
    init(mapper: HollowObjectMapper, type: MapperType) {
        self.mapper = mapper
        self.type = type
    }

    /// Adds a record of a ``HollowRecord`` type; returns its ordinal.
    /// - Throws: ``HollowWriteError`` `.schemaMismatch` if the declared type is another one.
    @inlinable
    public func add<R: HollowRecord>(_ record: R) throws -> Int {
        guard type.writes(ObjectIdentifier(R.self)) else { throw type.cannotWrite(R.self) }
        return try mapper.writeRecord(record, as: type)
    }

    /// Adds a boxed record (`String`, `Integer`, ...) whose one field `encode` writes; returns its ordinal.
    @inline(__always)
    func addBoxed(_ ft: HollowFieldType, _ t: Any.Type, _ encode: (inout RecordStack) -> Void) throws -> Int {
        guard case .boxed(let declared) = type.kind, declared == ft else {
            throw HollowWriteError(.schemaMismatch, "a \(t) cannot be written as \(type.name)")
        }
        let s = mapper.recordStack
        let recordStart = s.pointee.top
        defer { s.pointee.top = recordStart }
        encode(&s.pointee)
        return try mapper.engine.addEncoded(s.pointee.record(from: recordStart), to: mapper.writeState(type))
    }
}

extension HollowObjectMapper {
    /// Adds `value` (and every record it references) to the current cycle through its own
    /// ``HollowRecord/hollowWrite(to:)``; returns its ordinal.
    /// - Throws: ``HollowWriteError`` if its schema cannot be registered, a write does not fit the declared
    ///   fields, or the engine is not accepting records.
    @discardableResult
    @inlinable
    public func add<T: HollowRecord>(_ value: T) throws -> Int {
        try writeRecord(value, as: recordType(T.self))
    }

    /// Adds a value that is both ``HollowRecord`` and `Encodable` through its ``HollowRecord`` conformance.
    @discardableResult
    @inlinable
    public func add<T: HollowRecord & Encodable>(_ value: T) throws -> Int {
        try writeRecord(value, as: recordType(T.self))
    }

    /// Registers the Hollow types of a ``HollowRecord`` type (and of every type it references).
    @discardableResult
    public func initializeTypeState<T: HollowRecord>(for type: T.Type) throws -> String {
        try recordType(type).name
    }

    /// Registers the Hollow types of a type that is both ``HollowRecord`` and `Decodable`, from its
    /// ``HollowRecord`` schema.
    @discardableResult
    public func initializeTypeState<T: HollowRecord & Decodable>(for type: T.Type) throws -> String {
        try recordType(type).name
    }

    /// The mapper type of a ``HollowRecord`` type, registering it (and what it references) on first use.
    @usableFromInline
    func recordType<R: HollowRecord>(_ t: R.Type) throws -> MapperType {
        if let known = knownType(t), known.isRecordSchema { return known }
        var schema = HollowRecordSchema(typeName: Self.defaultName(t))
        R.hollowSchema(&schema)
        let (mt, isNew) = try beginObjectType(schema.typeName, swiftType: t)
        guard isNew else {
            guard mt.isRecordSchema else {
                throw HollowWriteError(.schemaConflict, "type \(schema.typeName) was registered from Codable; \(R.self) declares it as a HollowRecord")
            }
            return mt
        }
        mt.isRecordSchema = true
        do {
            for field in schema.fields {
                let f: MapperField
                switch field {
                case .inline(let name, let ft):
                    f = MapperField(name: name, type: ft, ref: nil, optional: true)
                case .reference(let name, let e):
                    f = MapperField(name: name, type: .reference, ref: try elementType(e), optional: true)
                case .list(let name, let e, let typeName):
                    let ref = try listType(element: try elementType(e), nameOverride: typeName, swiftType: nil)
                    f = MapperField(name: name, type: .reference, ref: ref, optional: true)
                case .set(let name, let e, let hashKey, let typeName):
                    let ref = try setType(
                        element: try elementType(e), nameOverride: typeName, hashKey: hashKey.map { Optional($0) }, swiftType: nil)
                    f = MapperField(name: name, type: .reference, ref: ref, optional: true)
                case .map(let name, let k, let v, let hashKey, let typeName):
                    let key = try elementType(k)
                    let value = try elementType(v)
                    let ref = try mapType(key: key, value: value, nameOverride: typeName, hashKey: hashKey.map { Optional($0) }, swiftType: nil)
                    f = MapperField(name: name, type: .reference, ref: ref, optional: true)
                }
                guard mt.fieldIndex[f.name] == nil else {
                    throw HollowWriteError(.schemaConflict, "\(R.self) declares field \(f.name) twice")
                }
                mt.fieldIndex[f.name] = mt.fields.count
                mt.fields.append(f)
            }
            try finishObjectType(mt, primaryKey: schema.primaryKey, numShards: schema.numShards)
        } catch {
            abandonObjectType(mt, swiftType: t)
            throw error
        }
        return mt
    }

    private func elementType(_ e: HollowElementType) throws -> MapperType {
        switch e.kind {
        case .record(let r): return try recordType(r)
        case .boxed(let ft): return try boxedType(ft, nameOverride: nil)
        }
    }

    /// Writes one record through its ``HollowRecord/hollowWrite(to:)`` on top of the record stack.
    @inlinable
    func writeRecord<R: HollowRecord>(_ record: R, as mt: MapperType) throws -> Int {
        var w = beginRecord(mt)
        do {
            try record.hollowWrite(to: &w)
        } catch {
            endRecord(w)
            throw error
        }
        return try finishRecord(w, R.self)
    }

    /// A writer for a record of `mt` at the top of the record stack.
    @usableFromInline
    func beginRecord(_ mt: MapperType) -> HollowRecordWriter {
        HollowRecordWriter(mapper: self, type: mt)
    }

    /// Takes the writer's record off the stack.
    @usableFromInline
    func endRecord(_ w: HollowRecordWriter) {
        recordStack.pointee.top = w.start
    }

    /// Checks that every field was written, adds the record to the engine and takes it off the stack; returns
    /// its ordinal.
    @usableFromInline
    func finishRecord(_ w: HollowRecordWriter, _ t: Any.Type) throws -> Int {
        defer { recordStack.pointee.top = w.start }
        guard w.next == w.fieldCount else {
            throw HollowWriteError(.schemaMismatch, "\(t) wrote \(w.next) of the \(w.type.fields.count) fields of \(w.type.name)")
        }
        return try engine.addEncoded(recordStack.pointee.record(from: w.start), to: writeState(w.type))
    }
}
