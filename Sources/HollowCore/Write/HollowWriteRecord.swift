/// An error raised by the write side: a record that does not fit its schema, an unknown type, a call in
/// the wrong phase of a cycle. The engine's state is unchanged when one is thrown.
public struct HollowWriteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code callers can match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case unknownType, schemaMismatch, invalidValue, wrongPhase, schemaConflict, unsupported
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The record names a type that is not registered.
        public static let unknownType = Code(.unknownType)
        /// A value does not fit the field, element or key type of the schema.
        public static let schemaMismatch = Code(.schemaMismatch)
        /// A value is out of range (an ordinal that does not exist, a duplicate map key, ...).
        public static let invalidValue = Code(.invalidValue)
        /// The call does not fit the engine's phase (adding records after writing without `prepareForNextCycle`).
        public static let wrongPhase = Code(.wrongPhase)
        /// A type was registered twice with different schemas.
        public static let schemaConflict = Code(.schemaConflict)
        /// Something this implementation does not do.
        public static let unsupported = Code(.unsupported)

        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation naming the type, field or value.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "write \(code): \(message)" }
}

/// The value of one field of an OBJECT record (a `nil` `HollowFieldValue?` is null).
public enum HollowFieldValue: Sendable, Hashable {
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case boolean(Bool)
    case string(String)
    case bytes([UInt8])
    /// The ordinal of a record of the field's referenced type.
    case reference(Int)

    var fieldType: HollowFieldType {
        switch self {
        case .int: .int
        case .long: .long
        case .float: .float
        case .double: .double
        case .boolean: .boolean
        case .string: .string
        case .bytes: .bytes
        case .reference: .reference
        }
    }
}

/// A record of an OBJECT type being built field by field, like Java's `HollowObjectWriteRecord`.
/// Fields that are never set are null.
public struct HollowObjectWriteRecord: Sendable {
    /// The schema the record follows.
    public let schema: HollowObjectSchema
    /// Field values in schema order; nil = null.
    public private(set) var values: [HollowFieldValue?]

    public init(schema: HollowObjectSchema) {
        self.schema = schema
        self.values = Array(repeating: nil, count: schema.fields.count)
    }

    /// Sets the field called `name` (nil = null).
    /// - Throws: ``HollowWriteError`` `.schemaMismatch` if there is no such field or the value has another type.
    public mutating func set(_ name: String, _ value: HollowFieldValue?) throws(HollowWriteError) {
        guard let index = schema.fieldIndex(name) else {
            throw HollowWriteError(.schemaMismatch, "type \(schema.name) has no field \(name)")
        }
        try set(fieldAt: index, value)
    }

    /// Sets the field at `index` in schema order (nil = null).
    public mutating func set(fieldAt index: Int, _ value: HollowFieldValue?) throws(HollowWriteError) {
        guard index >= 0, index < values.count else {
            throw HollowWriteError(.schemaMismatch, "type \(schema.name) has no field #\(index)")
        }
        if let value, value.fieldType != schema.fields[index].type {
            throw HollowWriteError(
                .schemaMismatch,
                "field \(schema.name).\(schema.fields[index].name) is \(schema.fields[index].type.rawValue), not \(value.fieldType.rawValue)")
        }
        values[index] = value
    }

    /// Resets every field to null.
    public mutating func reset() {
        for i in values.indices { values[i] = nil }
    }

    /// Serializes like Java's `HollowObjectWriteRecord#writeDataTo` (FORMAT.md §9.1).
    func encode(into buf: inout [UInt8]) {
        for i in 0..<values.count {
            FieldEncoding.value(&buf, values[i], as: schema.fields[i].type)
        }
    }
}

/// The in-memory encoding of one OBJECT field (FORMAT.md §9.1), as Java's `HollowObjectWriteRecord` writes
/// it. Every write path (records, the Codable mapper, ``HollowRecordWriter``) goes through these functions,
/// so they give the same bytes for the same values.
enum FieldEncoding {
    @inline(__always)
    static func null<B: RecordBytes>(_ buf: inout B, _ type: HollowFieldType) {
        switch type {
        case .float: appendFloatBits(&buf, 0x7FC0_0001)
        case .double: appendDoubleBits(&buf, 0x7FF8_0000_0000_0001)
        default: buf.append(0x80)
        }
    }

    @inline(__always)
    static func int<B: RecordBytes>(_ buf: inout B, _ x: Int32) {
        if x != Int32.min { appendVarInt(&buf, zigZag32(x)) } else { buf.append(0x80) }
    }

    @inline(__always)
    static func long<B: RecordBytes>(_ buf: inout B, _ x: Int64) {
        if x != Int64.min { appendVarLong(&buf, zigZag64(x)) } else { buf.append(0x80) }
    }

    @inline(__always)
    static func reference<B: RecordBytes>(_ buf: inout B, _ o: Int) { appendVarInt(&buf, UInt32(truncatingIfNeeded: o)) }

    @inline(__always)
    static func boolean<B: RecordBytes>(_ buf: inout B, _ b: Bool) { buf.append(b ? 1 : 0) }

    /// A float; NaN is written as Java's canonical NaN (null is a different NaN bit pattern).
    @inline(__always)
    static func float<B: RecordBytes>(_ buf: inout B, _ f: Float) {
        appendFloatBits(&buf, f.isNaN ? 0x7FC0_0000 : f.bitPattern)
    }

    @inline(__always)
    static func double<B: RecordBytes>(_ buf: inout B, _ d: Double) {
        appendDoubleBits(&buf, d.isNaN ? 0x7FF8_0000_0000_0000 : d.bitPattern)
    }

    @inline(__always)
    static func appendFloatBits<B: RecordBytes>(_ buf: inout B, _ bits: UInt32) {
        withUnsafeBytes(of: bits.bigEndian) { buf.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendDoubleBits<B: RecordBytes>(_ buf: inout B, _ bits: UInt64) {
        withUnsafeBytes(of: bits.bigEndian) { buf.append(contentsOf: $0) }
    }

    /// A STRING: VarInt byte length, then each UTF-16 code unit as a VarInt (ASCII: the bytes themselves).
    static func string<B: RecordBytes>(_ buf: inout B, _ s: String) {
        var s = s
        let ascii = s.withUTF8 { u -> Bool in
            var i = 0
            let n = u.count
            let raw = UnsafeRawBufferPointer(u)
            while i + 8 <= n {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
            while i < n {
                if u[i] >= 0x80 { return false }
                i += 1
            }
            appendVarInt(&buf, UInt32(n))
            buf.append(contentsOf: raw)
            return true
        }
        if ascii { return }
        var length = 0
        JavaUTF16.forEachUnit(s) { u in length += u < 0x80 ? 1 : u < 0x4000 ? 2 : 3 }
        appendVarInt(&buf, UInt32(length))
        JavaUTF16.forEachUnit(s) { u in appendVarInt(&buf, UInt32(u)) }
    }

    @inline(__always)
    static func bytes<B: RecordBytes>(_ buf: inout B, _ b: [UInt8]) {
        appendVarInt(&buf, UInt32(b.count))
        b.withUnsafeBytes { buf.append(contentsOf: $0) }
    }

    /// A field value of any type (nil, or a value of another type than `type`, is null).
    static func value(_ buf: inout [UInt8], _ v: HollowFieldValue?, as type: HollowFieldType) {
        switch (type, v) {
        case (.int, .int(let x)?): int(&buf, x)
        case (.long, .long(let x)?): long(&buf, x)
        case (.reference, .reference(let o)?): reference(&buf, o)
        case (.boolean, .boolean(let b)?): boolean(&buf, b)
        case (.float, .float(let f)?): float(&buf, f)
        case (.double, .double(let d)?): double(&buf, d)
        case (.string, .string(let s)?): string(&buf, s)
        case (.bytes, .bytes(let b)?): bytes(&buf, b)
        default: null(&buf, type)
        }
    }
}

/// One record to add to a write engine: an object, or a list, set or map of ordinals.
public enum HollowWriteRecord: Sendable {
    case object(HollowObjectWriteRecord)
    /// Element ordinals in order (duplicates allowed).
    case list([Int])
    /// Element ordinals, in any order. A repeated ordinal is stored repeatedly, as Java does for a
    /// `HashSet` holding equal-content objects that are not `equals` (readers see it several times).
    case set([Int])
    /// `(key ordinal, value ordinal)` entries, in any order (repeats are kept, as in Java).
    case map([(key: Int, value: Int)])
}
