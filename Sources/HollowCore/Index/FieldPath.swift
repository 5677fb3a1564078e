// Field paths ("country.code", "actors.element.name.value") resolved against a read state's schemas, the
// values found along them, and Hollow's key hashing (FORMAT.md §8.2).

/// A dot-separated path through OBJECT fields, resolved to the field steps it takes.
struct FieldPath: Sendable {
    struct Step: Sendable {
        let type: String
        let field: Int
    }
    let steps: [Step]
    let finalType: HollowFieldType

    /// Resolves `path` from `type` through object fields (references are followed). A path that ends on a
    /// REFERENCE is auto-extended into a single-field type or along a single-field primary key, as Java's
    /// `FieldPaths.createFieldPathForPrimaryKey`; a trailing `!` disables that.
    static func resolve(_ state: ReadState, type: String, path: String, autoExpand: Bool = true, depth: Int = 0) -> FieldPath? {
        // Primary keys can point at each other in a loop (schemas come from blobs): bound the expansion.
        guard depth < 8 else { return nil }
        var path = path
        var expand = autoExpand
        if path.hasSuffix("!") {
            path.removeLast()
            expand = false
        }
        var steps: [Step] = []
        var current = type
        var finalType = HollowFieldType.reference
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (i, part) in parts.enumerated() {
            guard case .object(let schema)? = state.schema(named: current), let index = schema.fieldIndex(part) else { return nil }
            let field = schema.fields[index]
            steps.append(Step(type: current, field: index))
            finalType = field.type
            if field.type == .reference {
                current = field.referencedType ?? ""
            } else if i != parts.count - 1 {
                return nil
            }
        }
        var guardCount = 0
        while expand && finalType == .reference && guardCount < 16 {
            guardCount += 1
            guard case .object(let schema)? = state.schema(named: current) else { break }
            if schema.fields.count == 1 {
                steps.append(Step(type: current, field: 0))
                finalType = schema.fields[0].type
                current = schema.fields[0].referencedType ?? ""
            } else if let key = schema.primaryKey, key.count == 1, let sub = resolve(state, type: current, path: key[0], depth: depth + 1) {
                steps += sub.steps
                finalType = sub.finalType
                break
            } else {
                break
            }
        }
        return FieldPath(steps: steps, finalType: finalType)
    }

    /// The value at the end of the path for record `ordinal` of the path's root type; nil when a value or
    /// reference along the way is null.
    func value(_ state: ReadState, _ ordinal: Int) -> HollowValue? {
        var o = ordinal
        for (i, step) in steps.enumerated() {
            guard let t = state.objectType(step.type) else { return nil }
            if i == steps.count - 1 { return t.value(o, step.field) }
            guard let next = t.readOrdinal(o, step.field) else { return nil }
            o = next
        }
        return .reference(ordinal)
    }
}

/// A value normalized for hashing and equality in indexes (floats compared by bits).
enum IndexKeyPart: Hashable, Sendable {
    case null
    case integer(Int64)
    case bits(UInt64)
    case boolean(Bool)
    case string(String)
    case bytes([UInt8])

    init(_ value: HollowValue?) {
        switch value {
        case nil: self = .null
        case .int(let v)?: self = .integer(Int64(v))
        case .long(let v)?: self = .integer(v)
        case .reference(let v)?: self = .integer(Int64(v))
        case .float(let v)?: self = .bits(UInt64(v.bitPattern))
        case .double(let v)?: self = .bits(v.bitPattern)
        case .boolean(let v)?: self = .boolean(v)
        case .string(let v)?: self = .string(v)
        case .bytes(let v)?: self = .bytes(v)
        }
    }
}

enum KeyHasher {
    /// Converts a query value to the representation a field of `type` holds; nil if it cannot match.
    static func coerce(_ value: HollowValue, to type: HollowFieldType) -> HollowValue? {
        switch (type, value) {
        case (.int, .int): return value
        case (.int, .long(let v)): return Int32(exactly: v).map { .int($0) }
        case (.int, .reference(let v)): return Int32(exactly: v).map { .int($0) }
        case (.long, .long): return value
        case (.long, .int(let v)): return .long(Int64(v))
        case (.long, .reference(let v)): return .long(Int64(v))
        case (.reference, .reference): return value
        case (.reference, .int(let v)): return .reference(Int(v))
        case (.reference, .long(let v)): return Int(exactly: v).map { .reference($0) }
        case (.float, .float): return value
        case (.float, .double(let v)): return .float(Float(v))
        case (.double, .double): return value
        case (.double, .float(let v)): return .double(Double(v))
        case (.boolean, .boolean), (.string, .string), (.bytes, .bytes): return value
        default: return nil
        }
    }

    /// The hash Java gives one key field value (`HollowWriteStateEnginePrimaryKeyHasher`, `SetMapKeyHasher`).
    static func fieldHash(_ value: HollowValue?) -> Int32 {
        switch value {
        case nil: return 0
        case .int(let v)?: return v
        case .long(let v)?: return Int32(truncatingIfNeeded: v ^ Int64(bitPattern: UInt64(bitPattern: v) >> 32))
        case .reference(let v)?: return Int32(truncatingIfNeeded: v)
        case .boolean(let v)?: return v ? 1231 : 1237
        case .float(let v)?: return Int32(bitPattern: v.bitPattern)
        case .double(let v)?:
            let b = v.bitPattern
            return Int32(truncatingIfNeeded: b ^ (b >> 32))
        case .string(let v)?: return JavaUTF16.javaHashCode(v)
        case .bytes(let v)?: return HollowHashing.murmur3(v)
        }
    }

    static func combine(_ values: [HollowValue?]) -> Int32 {
        var h: Int32 = 0
        for v in values { h = (h &* 31) ^ HollowHashing.hashInt(fieldHash(v)) }
        return h
    }

    /// The bucket hash of record `ordinal` of `type` under hash-key `paths`, or nil if a path does not resolve.
    static func recordHash(_ state: ReadState, type: String, ordinal: Int, paths: [String]) -> Int32? {
        var values: [HollowValue?] = []
        for p in paths {
            guard let path = FieldPath.resolve(state, type: type, path: p) else { return nil }
            values.append(path.value(state, ordinal))
        }
        return combine(values)
    }
}

/// Matches records of a type against query values on key paths (set `findElement`, map `findEntry`).
struct KeyMatcher {
    let state: ReadState
    let paths: [FieldPath]
    let key: [IndexKeyPart]
    let hash: Int32

    init?(_ state: ReadState, type: String, paths: [String], key: [HollowValue]) {
        guard paths.count == key.count else { return nil }
        var resolved: [FieldPath] = []
        var values: [HollowValue] = []
        for (p, k) in zip(paths, key) {
            guard let path = FieldPath.resolve(state, type: type, path: p), let v = KeyHasher.coerce(k, to: path.finalType) else {
                return nil
            }
            resolved.append(path)
            values.append(v)
        }
        self.state = state
        self.paths = resolved
        self.key = values.map { IndexKeyPart($0) }
        self.hash = KeyHasher.combine(values)
    }

    func matches(_ ordinal: Int) -> Bool {
        for (path, k) in zip(paths, key) where IndexKeyPart(path.value(state, ordinal)) != k { return false }
        return true
    }
}
