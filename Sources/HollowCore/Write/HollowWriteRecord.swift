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
            let v = values[i]
            switch schema.fields[i].type {
            case .int:
                if case .int(let x)? = v, x != Int32.min { appendVarInt(&buf, zigZag32(x)) } else { buf.append(0x80) }
            case .long:
                if case .long(let x)? = v, x != Int64.min { appendVarLong(&buf, zigZag64(x)) } else { buf.append(0x80) }
            case .reference:
                if case .reference(let o)? = v { appendVarInt(&buf, UInt32(truncatingIfNeeded: o)) } else { buf.append(0x80) }
            case .boolean:
                if case .boolean(let b)? = v { buf.append(b ? 1 : 0) } else { buf.append(0x80) }
            case .float:
                var bits: UInt32 = 0x7FC0_0001
                if case .float(let f)? = v { bits = f.isNaN ? 0x7FC0_0000 : f.bitPattern }
                buf.append(UInt8(bits >> 24)); buf.append(UInt8((bits >> 16) & 0xFF))
                buf.append(UInt8((bits >> 8) & 0xFF)); buf.append(UInt8(bits & 0xFF))
            case .double:
                var bits: UInt64 = 0x7FF8_0000_0000_0001
                if case .double(let d)? = v { bits = d.isNaN ? 0x7FF8_0000_0000_0000 : d.bitPattern }
                for s in stride(from: 56, through: 0, by: -8) { buf.append(UInt8((bits >> UInt64(s)) & 0xFF)) }
            case .string:
                if case .string(let s)? = v {
                    var length = 0
                    for u in s.utf16 { length += u < 0x80 ? 1 : u < 0x4000 ? 2 : 3 }
                    appendVarInt(&buf, UInt32(length))
                    for u in s.utf16 { appendVarInt(&buf, UInt32(u)) }
                } else {
                    buf.append(0x80)
                }
            case .bytes:
                if case .bytes(let b)? = v {
                    appendVarInt(&buf, UInt32(b.count))
                    buf.append(contentsOf: b)
                } else {
                    buf.append(0x80)
                }
            }
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
