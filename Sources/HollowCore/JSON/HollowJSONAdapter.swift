/// A JSON line that does not fit the schema (or is not JSON): its 1-based line number and the reason.
public struct HollowJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number in the input.
    public var line: Int
    /// What is wrong, naming the field path (`Movie.cast[2].name: expected a string, found 42`).
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

/// Reads and writes records of one Hollow type as JSON, one object per line.
///
/// Mapping: an object for a reference, or the bare value when the referenced type has a single field
/// (`"title": "Heat"` for a reference to `String { string value; }`); arrays for lists and sets; a JSON
/// object for a map whose key type is a single STRING field, else an array of `[key, value]` pairs;
/// base64 for `bytes`; `null` or an absent member for null. INT/LONG take JSON integers; FLOAT/DOUBLE take
/// numbers or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`. Unknown members are rejected.
public struct HollowJSONAdapter {
    /// The engine records are added to.
    public let engine: HollowWriteStateEngine
    /// The type of the top-level records.
    public let typeName: String

    /// - Throws: `.unknownType` if `typeName` is not registered with `engine`.
    public init(engine: HollowWriteStateEngine, typeName: String) throws(HollowWriteError) {
        guard engine.schema(named: typeName) != nil else {
            throw HollowWriteError(.unknownType, "type \(typeName) is not registered")
        }
        self.engine = engine
        self.typeName = typeName
    }

    /// Adds every non-blank line of `text` as a record of ``typeName``; returns their ordinals.
    /// All lines are parsed and checked against the schema first: if one does not fit, nothing is added.
    /// - Throws: ``HollowJSONError`` for the first bad line.
    @discardableResult
    public func addLines(_ text: String) throws(HollowJSONError) -> [Int] {
        var pending: [(Int, Pending)] = []
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            pending.append((lineNumber, try parse(String(line), line: lineNumber)))
        }
        var ordinals: [Int] = []
        for (n, p) in pending {
            do {
                ordinals.append(try add(p))
            } catch {
                throw HollowJSONError(line: n, reason: "\(error)")
            }
        }
        return ordinals
    }

    /// Adds one JSON object as a record of ``typeName`` and returns its ordinal.
    @discardableResult
    public func add(json: String) throws(HollowJSONError) -> Int {
        let p = try parse(json, line: 1)
        do {
            return try add(p)
        } catch {
            throw HollowJSONError(line: 1, reason: "\(error)")
        }
    }

    // MARK: Checking a line against the schema

    indirect enum Pending {
        case object(HollowObjectSchema, [PendingField?])
        case list(String, [Pending])
        case set(String, [Pending])
        case map(String, [(Pending, Pending)])
    }

    enum PendingField {
        case scalar(HollowFieldValue)
        case reference(Pending)
    }

    struct Mismatch: Error { var path: String; var reason: String }

    func parse(_ text: String, line: Int) throws(HollowJSONError) -> Pending {
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            // One record a line: the column is enough.
            throw HollowJSONError(line: line, reason: "invalid JSON at column \(error.column): \(error.message)")
        }
        guard case .object = json else {
            throw HollowJSONError(line: line, reason: "expected a JSON object for a \(typeName) record, found \(json.kindDescription)")
        }
        do {
            return try pending(json, type: typeName, path: typeName, asObject: true)
        } catch let m as Mismatch {
            throw HollowJSONError(line: line, reason: "\(m.path): \(m.reason)")
        } catch {
            throw HollowJSONError(line: line, reason: "\(error)")
        }
    }

    private func schema(_ name: String, _ path: String) throws -> HollowSchema {
        guard let s = engine.schema(named: name) else { throw Mismatch(path: path, reason: "type \(name) is not in the schema") }
        return s
    }

    /// Converts `json` to a pending record of `type`. `asObject`: top level (always the object form).
    func pending(_ json: JSONValue, type: String, path: String, asObject: Bool = false) throws -> Pending {
        switch try schema(type, path) {
        case .object(let s):
            if !asObject, s.fields.count == 1 {
                // The bare value of the only field.
                return .object(s, [try field(json, s.fields[0], path: path)])
            }
            guard case .object(let members) = json else {
                throw Mismatch(path: path, reason: "expected an object for \(type), found \(json.kindDescription)")
            }
            var values: [PendingField?] = Array(repeating: nil, count: s.fields.count)
            for (k, v) in members {
                guard let i = s.fieldIndex(k) else {
                    throw Mismatch(path: path, reason: "type \(type) has no field \"\(k)\" (fields: \(s.fields.map(\.name).joined(separator: ", ")))")
                }
                values[i] = try field(v, s.fields[i], path: "\(path).\(k)")
            }
            return .object(s, values)
        case .list(let s):
            guard case .array(let a) = json else { throw Mismatch(path: path, reason: "expected an array for \(type), found \(json.kindDescription)") }
            return .list(type, try a.enumerated().map { try element($1, s.elementType, "\(path)[\($0)]") })
        case .set(let s):
            guard case .array(let a) = json else { throw Mismatch(path: path, reason: "expected an array for \(type), found \(json.kindDescription)") }
            return .set(type, try a.enumerated().map { try element($1, s.elementType, "\(path)[\($0)]") })
        case .map(let s):
            switch json {
            case .object(let members):
                guard stringKeyed(s.keyType) else {
                    throw Mismatch(path: path, reason: "keys of \(type) are \(s.keyType) records: expected an array of [key, value] pairs")
                }
                return .map(type, try members.map { k, v in
                    (try element(.string(k), s.keyType, "\(path).\(k)"), try element(v, s.valueType, "\(path).\(k)"))
                })
            case .array(let pairs):
                return .map(type, try pairs.enumerated().map { i, pair in
                    guard case .array(let kv) = pair, kv.count == 2 else {
                        throw Mismatch(path: "\(path)[\(i)]", reason: "expected a [key, value] pair, found \(pair.kindDescription)")
                    }
                    return (try element(kv[0], s.keyType, "\(path)[\(i)][0]"), try element(kv[1], s.valueType, "\(path)[\(i)][1]"))
                })
            default:
                throw Mismatch(path: path, reason: "expected an object or an array of [key, value] pairs for \(type), found \(json.kindDescription)")
            }
        }
    }

    private func element(_ json: JSONValue, _ type: String, _ path: String) throws -> Pending {
        if case .null = json { throw Mismatch(path: path, reason: "collections cannot hold null") }
        return try pending(json, type: type, path: path)
    }

    /// True when records of `type` are written as JSON strings (one STRING field).
    func stringKeyed(_ type: String) -> Bool {
        guard case .object(let s)? = engine.schema(named: type), s.fields.count == 1 else { return false }
        return s.fields[0].type == .string
    }

    private func field(_ json: JSONValue, _ f: HollowObjectSchema.Field, path: String) throws -> PendingField? {
        if case .null = json { return nil }
        func bad(_ expected: String) -> Mismatch { Mismatch(path: path, reason: "expected \(expected), found \(json.kindDescription)") }
        switch f.type {
        case .reference:
            return .reference(try pending(json, type: f.referencedType ?? "", path: path))
        case .int:
            guard case .number(let n) = json, let v = Int32(n) else { throw bad("an integer from \(Int32.min) to \(Int32.max)") }
            return .scalar(.int(v))
        case .long:
            guard case .number(let n) = json, let v = Int64(n) else { throw bad("an integer from \(Int64.min) to \(Int64.max)") }
            return .scalar(.long(v))
        case .float:
            guard let d = Self.floating(json), let v = Float(d) else { throw bad("a number") }
            return .scalar(.float(v))
        case .double:
            guard let d = Self.floating(json), let v = Double(d) else { throw bad("a number") }
            return .scalar(.double(v))
        case .boolean:
            guard case .bool(let b) = json else { throw bad("true or false") }
            return .scalar(.boolean(b))
        case .string:
            guard case .string(let s) = json else { throw bad("a string") }
            return .scalar(.string(s))
        case .bytes:
            guard case .string(let s) = json else { throw bad("a base64 string") }
            guard let b = Base64.decode(s) else { throw Mismatch(path: path, reason: "\"\(s.prefix(30))\" is not valid base64") }
            return .scalar(.bytes(b))
        }
    }

    static func floating(_ json: JSONValue) -> String? {
        switch json {
        case .number(let n): n
        case .string("NaN"): "nan"
        case .string("Infinity"): "inf"
        case .string("-Infinity"): "-inf"
        default: nil
        }
    }

    // MARK: Adding checked records

    private func add(_ p: Pending) throws -> Int {
        switch p {
        case .object(let s, let fields):
            var rec = HollowObjectWriteRecord(schema: s)
            for (i, f) in fields.enumerated() {
                switch f {
                case nil: break
                case .scalar(let v)?: try rec.set(fieldAt: i, v)
                case .reference(let r)?: try rec.set(fieldAt: i, .reference(try add(r)))
                }
            }
            return try engine.add(rec)
        case .list(let type, let elements):
            return try engine.add(.list(try elements.map { try add($0) }), to: type)
        case .set(let type, let elements):
            return try engine.add(.set(try elements.map { try add($0) }), to: type)
        case .map(let type, let entries):
            var out: [(key: Int, value: Int)] = []
            for (k, v) in entries { out.append((try add(k), try add(v))) }
            return try engine.add(.map(out), to: type)
        }
    }
}

/// Standard base64 (RFC 4648, with padding).
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(s)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            var n = UInt32(bytes[i]) << 16
            if rest == 2 { n |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ s: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for c in s.utf8 {
            if c == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0 else { return nil }
            switch c {
            case 0x41...0x5A: values.append(c - 0x41)
            case 0x61...0x7A: values.append(c - 0x61 + 26)
            case 0x30...0x39: values.append(c - 0x30 + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            default: return nil
            }
        }
        guard (values.count + padding) % 4 == 0, padding <= 2, values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 4, values.count)]
            var n: UInt32 = 0
            for (j, v) in chunk.enumerated() { n |= UInt32(v) << UInt32(18 - 6 * j) }
            out.append(UInt8((n >> 16) & 0xFF))
            if chunk.count > 2 { out.append(UInt8((n >> 8) & 0xFF)) }
            if chunk.count > 3 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
    }
}
