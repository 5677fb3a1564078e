/// A parsed JSON value. Numbers keep their text so integers up to 64 bits convert exactly.
/// (A small parser of our own: HollowCore does not import Foundation, and this one reports the column
/// of an error and keeps integer precision and object key order.)
public enum HollowJSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, as written.
    case number(String)
    case string(String)
    case array([HollowJSONValue])
    /// Members in document order.
    case object([(key: String, value: HollowJSONValue)])

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .number(let n): h.combine(n)
        case .string(let s): h.combine(s)
        case .array(let a): h.combine(a)
        case .object(let o): for (k, v) in o { h.combine(k); h.combine(v) }
        }
    }

    /// A short description for error messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): n
        case .string(let s): s.count > 30 ? "a string" : "\"\(s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Serializes compactly (no whitespace), members in order.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, m) in o.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(m.key, to: &out)
                out += ":"
                m.value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Parses one JSON document.
    /// - Throws: ``HollowJSONSyntaxError`` with the 1-based column of the problem.
    public static func parse(_ text: String) throws(HollowJSONSyntaxError) -> HollowJSONValue {
        var p = JSONParser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("end of line after the JSON value") }
        return v
    }
}

/// A JSON syntax error: 1-based column (in UTF-8 bytes) and what was expected.
public struct HollowJSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var description: String { "invalid JSON at column \(column): \(message)" }
}

struct JSONParser {
    let bytes: [UInt8]
    var i = 0

    func error(_ expected: String) -> HollowJSONSyntaxError {
        let found = i < bytes.count ? "'\(Character(Unicode.Scalar(bytes[i])))'" : "end of line"
        return HollowJSONSyntaxError(column: i + 1, message: "expected \(expected), found \(found)")
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    mutating func literal(_ word: String, _ v: HollowJSONValue) throws(HollowJSONSyntaxError) -> HollowJSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("a JSON value") }
        i += w.count
        return v
    }

    mutating func value(depth: Int) throws(HollowJSONSyntaxError) -> HollowJSONValue {
        guard depth < 512 else { throw HollowJSONSyntaxError(column: i + 1, message: "nesting deeper than 512 levels") }
        guard i < bytes.count else { throw error("a JSON value") }
        switch bytes[i] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            i += 1
            var a: [HollowJSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
            while true {
                skipSpace()
                a.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("',' or ']'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                throw error("',' or ']'")
            }
        case UInt8(ascii: "{"):
            i += 1
            var o: [(key: String, value: HollowJSONValue)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("a member name in double quotes") }
                let keyStart = i
                let k = try string()
                if o.contains(where: { $0.key == k }) {
                    throw HollowJSONSyntaxError(column: keyStart + 1, message: "member \"\(k)\" appears twice")
                }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("':'") }
                i += 1
                skipSpace()
                o.append((k, try value(depth: depth + 1)))
                skipSpace()
                guard i < bytes.count else { throw error("',' or '}'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                throw error("',' or '}'")
            }
        default:
            return .number(try number())
        }
    }

    mutating func number() throws(HollowJSONSyntaxError) -> String {
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
            return p.i - s
        }
        let intDigits = digits(&self)
        guard intDigits > 0 else { i = start; throw error("a JSON value") }
        if intDigits > 1, bytes[start + (bytes[start] == UInt8(ascii: "-") ? 1 : 0)] == 0x30 {
            throw HollowJSONSyntaxError(column: start + 1, message: "numbers must not have leading zeros")
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw error("digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw error("exponent digits") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func hex4() throws(HollowJSONSyntaxError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("4 hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw error("a hex digit")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func string() throws(HollowJSONSyntaxError) -> String {
        i += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = i
        func flush(_ p: JSONParser, _ scalars: inout String.UnicodeScalarView, _ from: Int, _ to: Int) {
            if to > from { scalars.append(contentsOf: String(decoding: p.bytes[from..<to], as: UTF8.self).unicodeScalars) }
        }
        while true {
            guard i < bytes.count else { throw error("'\"' closing the string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                flush(self, &scalars, runStart, i)
                i += 1
                return String(scalars)
            }
            if c < 0x20 { throw error("an escaped control character") }
            if c != UInt8(ascii: "\\") { i += 1; continue }
            flush(self, &scalars, runStart, i)
            i += 1
            guard i < bytes.count else { throw error("an escape character") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var u = try hex4()
                if (0xD800..<0xDC00).contains(u) {
                    // A surrogate pair; a lone surrogate cannot be held by a Swift String.
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("the low surrogate of a \\u surrogate pair")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("a low surrogate") }
                    u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let s = Unicode.Scalar(u) else { throw error("a valid \\u escape (lone surrogates are not supported)") }
                scalars.append(s)
            default:
                i -= 1
                throw error("a valid escape")
            }
            runStart = i
        }
    }
}
