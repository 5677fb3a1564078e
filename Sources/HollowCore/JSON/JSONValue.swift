/// A JSON value: the one JSON type of the project (record import/export, the explorer's API, kea-edge's
/// metrics files and Kea's control channel, `hollow watch`'s JSON lines).
///
/// Numbers keep their text, so integers up to 64 bits (and beyond) convert exactly; objects keep their members in
/// document order. (A small parser of our own: HollowCore does not import Foundation, and this one reports the
/// line and column of an error and keeps integer precision and key order.)
///
/// Build values with the cases, the literal conformances and the convenience constructors
/// (`.int(_:)`, `.double(_:)`, ``init(sortingKeys:)``); read them with the accessors (``int64``, ``double``,
/// ``bool``, ``string``, ``array``, ``members``, ``subscript(_:)``).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, as written (valid JSON number text).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(key: String, value: JSONValue)])

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
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
        case .object(let o):
            h.combine(o.count)
            for (k, v) in o { h.combine(k); h.combine(v) }
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
}

// MARK: Convenience constructors

extension JSONValue {
    /// An exact integer number.
    public static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }

    /// A floating-point number in Swift's shortest round-tripping form (`8.7`, `5.0`, `1e+16`).
    /// JSON has no NaN or infinities: those become the strings `"NaN"`, `"Infinity"` and `"-Infinity"`
    /// (as Java Hollow's JSON does).
    public static func double(_ value: Double) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .number(String(value))
    }

    /// An object from a dictionary, members sorted by key (Unicode scalar order) so the output is stable.
    public init(sortingKeys dictionary: [String: JSONValue]) {
        self = .object(
            dictionary.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
                .map { (key: $0.key, value: $0.value) }
        )
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object with the members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: Accessors

extension JSONValue {
    /// The member `key` of an object (the first one with that name), or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// The exact integer value of a number that fits `Int64` (`1e3` and `5.0` count: they are integral).
    public var int64: Int64? {
        guard case .number(let text) = self else { return nil }
        if let i = Int64(text) { return i }
        guard let d = Double(text), d.rounded() == d, d >= -0x1p63, d < 0x1p63 else { return nil }
        return Int64(d)
    }

    /// The value of a number as a `Double` (the nearest one).
    public var double: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// The value of `true` or `false`.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value of a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements of an array.
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members of an object, in document order.
    public var members: [(key: String, value: JSONValue)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }
}

// MARK: Serialization

extension JSONValue {
    /// Compact JSON text (no whitespace), members in order, strings escaped by ``escape(_:into:)``.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Pretty JSON text: two-space indentation, `"key": value`, one element or member a line, members in order,
    /// empty containers as `[]` and `{}`, no trailing newline (the layout of Python's `json.dumps(v, indent=2)`).
    public func prettyPrinted() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    /// Appends the compact JSON text of this value to `out`.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): Self.quote(s, into: &out)
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
                Self.quote(m.key, into: &out)
                out += ":"
                m.value.write(to: &out)
            }
            out += "}"
        }
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                v.write(to: &out, indent: indent + 2)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            for (i, m) in o.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                Self.quote(m.key, into: &out)
                out += ": "
                m.value.write(to: &out, indent: indent + 2)
                out += i == o.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        default:
            write(to: &out)
        }
    }

    /// Appends the JSON escaping of `string` (without the surrounding quotes) to `out`: the project's one JSON
    /// string escaper, used by every JSON writer.
    ///
    /// The policy:
    /// - `"` and `\` as `\"` and `\\`; newline, carriage return, tab, backspace and form feed as `\n`, `\r`,
    ///   `\t`, `\b`, `\f`;
    /// - the other control characters (U+0000–U+001F) and DEL (U+007F) as `\u00XX` (lowercase hex);
    /// - `<`, `>` and `&` as `\u003c`, `\u003e` and `\u0026`, so JSON can be embedded in HTML (a `<script>`
    ///   element or an attribute) without further escaping;
    /// - a lone UTF-16 surrogate that the string carries from a Java string (``JavaUTF16``) as `\udxxx`, as
    ///   Java's dump prints it;
    /// - everything else, non-ASCII included, as is (UTF-8).
    ///
    /// (`ReadState.canonicalJSON()` keeps its own writer: it reproduces Java Hollow's dump byte for byte,
    /// from UTF-16 units that may be lone surrogates.)
    public static func escape(_ string: String, into out: inout String) {
        var scalars = string.unicodeScalars.makeIterator()
        while let u = scalars.next() {
            switch u {
            case JavaUTF16.escape:
                let next = scalars.next()
                if let next, next.value >= JavaUTF16.loneSurrogateBase, next.value < JavaUTF16.loneSurrogateBase + 0x800 {
                    out += "\\u" + String(0xD800 + next.value - JavaUTF16.loneSurrogateBase, radix: 16)
                } else {
                    out.unicodeScalars.append(u)  // a real U+10FFFF: doubled, or (leniently) alone
                    if let next, next != JavaUTF16.escape { escape(String(next), into: &out) }
                }
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
    }

    /// Appends `string` as a JSON string literal (in double quotes, escaped by ``escape(_:into:)``) to `out`.
    public static func quote(_ string: String, into out: inout String) {
        out += "\""
        escape(string, into: &out)
        out += "\""
    }

    /// `string` as a JSON string literal (in double quotes, escaped by ``escape(_:into:)``).
    public static func quoted(_ string: String) -> String {
        var out = ""
        quote(string, into: &out)
        return out
    }
}

// MARK: Parsing

extension JSONValue {
    /// Parses one JSON document.
    /// - Throws: ``JSONSyntaxError`` with the 1-based line and column of the problem.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses one JSON document from UTF-8 bytes.
    /// - Throws: ``JSONSyntaxError`` with the 1-based line and column of the problem.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("the end of the text after the JSON value") }
        return v
    }
}

/// A JSON syntax error: where (1-based line, and column in UTF-8 bytes) and what was expected.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, in UTF-8 bytes.
    public var column: Int
    /// What was expected there, and what was found.
    public var message: String

    /// Creates an error at `line` and `column`.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// The former name of ``JSONValue``.
@available(*, deprecated, renamed: "JSONValue")
public typealias HollowJSONValue = JSONValue

/// The former name of ``JSONSyntaxError``.
@available(*, deprecated, renamed: "JSONSyntaxError")
public typealias HollowJSONSyntaxError = JSONSyntaxError

struct JSONParser {
    let bytes: [UInt8]
    var i = 0

    /// An error at byte offset `at` (the current position by default).
    func error(at offset: Int? = nil, message: String) -> JSONSyntaxError {
        let end = min(offset ?? i, bytes.count)
        var line = 1
        var lineStart = 0
        for k in 0..<end where bytes[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        return JSONSyntaxError(line: line, column: end - lineStart + 1, message: message)
    }

    func error(_ expected: String) -> JSONSyntaxError {
        let found = i < bytes.count ? "'\(Character(Unicode.Scalar(bytes[i])))'" : "the end of the text"
        return error(message: "expected \(expected), found \(found)")
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("a JSON value") }
        i += w.count
        return v
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 512 else { throw error(message: "nesting deeper than 512 levels") }
        guard i < bytes.count else { throw error("a JSON value") }
        switch bytes[i] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            i += 1
            var a: [JSONValue] = []
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
            var o: [(key: String, value: JSONValue)] = []
            var names: Set<String>? = nil  // from 16 members on, so large objects parse in linear time
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("a member name in double quotes") }
                let keyStart = i
                let k = try string()
                let duplicate: Bool
                if names != nil {
                    duplicate = !names!.insert(k).inserted
                } else if o.count >= 16 {
                    names = Set(o.map(\.key))
                    duplicate = !names!.insert(k).inserted
                } else {
                    duplicate = o.contains { $0.key == k }
                }
                if duplicate {
                    throw error(at: keyStart, message: "member \"\(k)\" appears twice")
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

    mutating func number() throws(JSONSyntaxError) -> String {
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
            throw error(at: start, message: "numbers must not have leading zeros")
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

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
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

    mutating func string() throws(JSONSyntaxError) -> String {
        i += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = i
        func flush(_ p: JSONParser, _ scalars: inout String.UnicodeScalarView, _ from: Int, _ to: Int) {
            guard to > from else { return }
            let text = String(decoding: p.bytes[from..<to], as: UTF8.self)
            // A literal U+10FFFF is a real one, which a Java string carried in a Swift string doubles (JavaUTF16).
            scalars.append(
                contentsOf: (p.bytes[from..<to].contains(0xF4) ? JavaUTF16.string(units: Array(text.utf16)) : text).unicodeScalars)
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
                if (0xD800..<0xDC00).contains(u), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                    bytes[i + 1] == UInt8(ascii: "u")
                {
                    let save = i
                    i += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = save  // a lone high surrogate followed by another escape
                    }
                }
                // A lone surrogate is kept as a Java string keeps it (JavaUTF16); so is a real U+10FFFF.
                let units: [UInt16] =
                    u > 0xFFFF
                    ? [UInt16(0xD800 + ((u - 0x10000) >> 10)), UInt16(0xDC00 + ((u - 0x10000) & 0x3FF))] : [UInt16(u)]
                scalars.append(contentsOf: JavaUTF16.string(units: units).unicodeScalars)
            default:
                i -= 1
                throw error("a valid escape")
            }
            runStart = i
        }
    }
}
