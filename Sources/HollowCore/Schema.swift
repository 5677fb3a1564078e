/// The type of one field of an OBJECT schema, named as Java's `HollowObjectSchema.FieldType`.
public enum HollowFieldType: String, Sendable, Hashable, CaseIterable {
    case reference = "REFERENCE"
    case int = "INT"
    case long = "LONG"
    case boolean = "BOOLEAN"
    case float = "FLOAT"
    case double = "DOUBLE"
    case string = "STRING"
    case bytes = "BYTES"
}

/// An OBJECT schema: named, ordered fields and an optional primary key.
public struct HollowObjectSchema: Sendable, Hashable {
    /// One field of an object schema.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: HollowFieldType
        /// The referenced type's name, for `.reference` fields only.
        public var referencedType: String?

        public init(name: String, type: HollowFieldType, referencedType: String? = nil) {
            self.name = name
            self.type = type
            self.referencedType = referencedType
        }
    }

    public var name: String
    public var fields: [Field]
    /// Field paths of the primary key (`["id"]`, `["country.code"]`), or nil when the type has none.
    public var primaryKey: [String]?

    public init(name: String, fields: [Field], primaryKey: [String]? = nil) {
        self.name = name
        self.fields = fields
        self.primaryKey = (primaryKey?.isEmpty ?? true) ? nil : primaryKey
    }

    /// The position of the field called `name`, or nil.
    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// A LIST schema: an ordered sequence of references to `elementType`.
public struct HollowListSchema: Sendable, Hashable {
    public var name: String
    public var elementType: String
    public init(name: String, elementType: String) {
        self.name = name
        self.elementType = elementType
    }
}

/// A SET schema: unordered references to `elementType`, optionally hashed by key field paths.
public struct HollowSetSchema: Sendable, Hashable {
    public var name: String
    public var elementType: String
    /// Field paths of the element that form the hash key, or nil (elements hashed by ordinal).
    public var hashKey: [String]?
    public init(name: String, elementType: String, hashKey: [String]? = nil) {
        self.name = name
        self.elementType = elementType
        self.hashKey = (hashKey?.isEmpty ?? true) ? nil : hashKey
    }
}

/// A MAP schema: references from `keyType` to `valueType`, optionally hashed by key field paths.
public struct HollowMapSchema: Sendable, Hashable {
    public var name: String
    public var keyType: String
    public var valueType: String
    /// Field paths of the key that form the hash key, or nil (keys hashed by ordinal).
    public var hashKey: [String]?
    public init(name: String, keyType: String, valueType: String, hashKey: [String]? = nil) {
        self.name = name
        self.keyType = keyType
        self.valueType = valueType
        self.hashKey = (hashKey?.isEmpty ?? true) ? nil : hashKey
    }
}

/// The schema of one Hollow type.
public enum HollowSchema: Sendable, Hashable {
    case object(HollowObjectSchema)
    case list(HollowListSchema)
    case set(HollowSetSchema)
    case map(HollowMapSchema)

    /// The kind of a schema, as Java's `HollowSchema.SchemaType`.
    public enum Kind: String, Sendable, Hashable {
        case object = "OBJECT", list = "LIST", set = "SET", map = "MAP"
    }

    /// The type name.
    public var name: String {
        switch self {
        case .object(let s): s.name
        case .list(let s): s.name
        case .set(let s): s.name
        case .map(let s): s.name
        }
    }

    public var kind: Kind {
        switch self {
        case .object: .object
        case .list: .list
        case .set: .set
        case .map: .map
        }
    }

    /// Names of the types this schema references (fields, elements, keys, values).
    public var referencedTypes: [String] {
        switch self {
        case .object(let s): s.fields.compactMap(\.referencedType)
        case .list(let s): [s.elementType]
        case .set(let s): [s.elementType]
        case .map(let s): [s.keyType, s.valueType]
        }
    }
}

// MARK: - Binary form (FORMAT.md §4)

extension HollowSchema {
    /// Reads a schema in its binary form (type id byte, name, body).
    public static func read(from reader: inout ByteReader) throws(BlobDecodingError) -> HollowSchema {
        let start = reader.offset
        let id = try reader.readUInt8("a schema type id")
        let name = try reader.readUTF("a schema name")
        func readKey(_ reader: inout ByteReader) throws(BlobDecodingError) -> [String] {
            let n = try reader.readCount("the key field count of schema \(name)", limit: 0xFFFF)
            var paths: [String] = []
            for _ in 0..<n { paths.append(try reader.readUTF("a key field path of schema \(name)")) }
            return paths
        }
        switch id {
        case 0, 6:
            let key = id == 6 ? try readKey(&reader) : nil
            let count = Int(try reader.readInt16("the field count of schema \(name)"))
            guard count >= 0 else {
                throw BlobDecodingError(.invalidValue, "schema \(name) declares \(count) fields", offset: start)
            }
            var fields: [HollowObjectSchema.Field] = []
            fields.reserveCapacity(count)
            for _ in 0..<count {
                let fieldName = try reader.readUTF("a field name of schema \(name)")
                let typeName = try reader.readUTF("the type of field \(name).\(fieldName)")
                guard let type = HollowFieldType(rawValue: typeName) else {
                    throw BlobDecodingError(.invalidValue, "field \(name).\(fieldName) has unknown type \(typeName)", offset: start)
                }
                let ref = type == .reference ? try reader.readUTF("the referenced type of \(name).\(fieldName)") : nil
                fields.append(.init(name: fieldName, type: type, referencedType: ref))
            }
            return .object(HollowObjectSchema(name: name, fields: fields, primaryKey: key))
        case 2:
            return .list(HollowListSchema(name: name, elementType: try reader.readUTF("the element type of \(name)")))
        case 1, 4:
            let element = try reader.readUTF("the element type of \(name)")
            let key = id == 4 ? try readKey(&reader) : nil
            return .set(HollowSetSchema(name: name, elementType: element, hashKey: key))
        case 3, 5:
            let keyType = try reader.readUTF("the key type of \(name)")
            let valueType = try reader.readUTF("the value type of \(name)")
            let key = id == 5 ? try readKey(&reader) : nil
            return .map(HollowMapSchema(name: name, keyType: keyType, valueType: valueType, hashKey: key))
        default:
            throw BlobDecodingError(.invalidValue, "unknown schema type id \(id) for \(name)", offset: start)
        }
    }

    /// Writes the schema in its binary form, byte-identical to Java's `HollowSchema.writeTo`.
    public func write(to writer: inout ByteWriter) {
        func writeKey(_ paths: [String]) {
            writer.writeVarInt(Int32(paths.count))
            for p in paths { writer.writeUTF(p) }
        }
        switch self {
        case .object(let s):
            writer.writeUInt8(s.primaryKey == nil ? 0 : 6)
            writer.writeUTF(s.name)
            if let key = s.primaryKey { writeKey(key) }
            writer.writeInt16(Int16(s.fields.count))
            for f in s.fields {
                writer.writeUTF(f.name)
                writer.writeUTF(f.type.rawValue)
                if f.type == .reference { writer.writeUTF(f.referencedType ?? "") }
            }
        case .list(let s):
            writer.writeUInt8(2)
            writer.writeUTF(s.name)
            writer.writeUTF(s.elementType)
        case .set(let s):
            writer.writeUInt8(s.hashKey == nil ? 1 : 4)
            writer.writeUTF(s.name)
            writer.writeUTF(s.elementType)
            if let key = s.hashKey { writeKey(key) }
        case .map(let s):
            writer.writeUInt8(s.hashKey == nil ? 3 : 5)
            writer.writeUTF(s.name)
            writer.writeUTF(s.keyType)
            writer.writeUTF(s.valueType)
            if let key = s.hashKey { writeKey(key) }
        }
    }
}
