/// An error in schema text: where it is (1-based line and column), what was found and what was expected.
public struct HollowSchemaSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// What the parser expected at that point, e.g. `'{', 'List', 'Set' or 'Map'`.
    public var expected: String
    /// What it found instead (a token, or "end of input").
    public var found: String

    public init(line: Int, column: Int, expected: String, found: String) {
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
    }

    public var description: String { "line \(line), column \(column): expected \(expected), found \(found)" }
}

/// Reads and prints Hollow's text schema language, as Java's `HollowSchemaParser` reads it:
///
/// ```
/// // comments like this, or /* like this */
/// Movie @PrimaryKey(id) {
///     long id;            // int long float double boolean string bytes are inline field types,
///     String title;       // any other name is a reference to that type
///     SetOfActor cast;
/// }
/// String { string value; }
/// ListOfActor List<Actor>;
/// SetOfActor Set<Actor> @HashKey(name);
/// MapOfStringToActor Map<String, Actor> @HashKey(value);
/// ```
public enum HollowSchemaParser {
    /// Parses every schema of `text`, in order.
    /// - Throws: ``HollowSchemaSyntaxError`` at the first error; also for a type declared twice.
    public static func parseCollectionOfSchemas(_ text: String) throws(HollowSchemaSyntaxError) -> [HollowSchema] {
        var p = Parser(text)
        var out: [HollowSchema] = []
        var names = Set<String>()
        while true {
            let start = p.peek()
            guard let s = try p.parseSchema() else { break }
            guard names.insert(s.name).inserted else {
                throw HollowSchemaSyntaxError(line: start.line, column: start.column, expected: "a new type name", found: "'\(s.name)' declared again")
            }
            out.append(s)
        }
        return out
    }

    /// Parses exactly one schema.
    public static func parseSchema(_ text: String) throws(HollowSchemaSyntaxError) -> HollowSchema {
        var p = Parser(text)
        guard let s = try p.parseSchema() else {
            let t = p.peek()
            throw HollowSchemaSyntaxError(line: t.line, column: t.column, expected: "a type name", found: "end of input")
        }
        let t = p.next()
        guard t.kind == .eof else { throw p.error("end of input", t) }
        return s
    }

    /// Prints `schema` in the text language (Java's `HollowSchema.toString` layout).
    public static func text(of schema: HollowSchema) -> String {
        func key(_ name: String, _ paths: [String]?) -> String {
            guard let paths else { return "" }
            return " @\(name)(\(paths.joined(separator: ", ")))"
        }
        switch schema {
        case .object(let s):
            var out = s.name + key("PrimaryKey", s.primaryKey) + " {\n"
            for f in s.fields {
                out += "\t\(f.type == .reference ? (f.referencedType ?? "") : f.type.rawValue.lowercased()) \(f.name);\n"
            }
            return out + "}"
        case .list(let s): return "\(s.name) List<\(s.elementType)>;"
        case .set(let s): return "\(s.name) Set<\(s.elementType)>" + key("HashKey", s.hashKey) + ";"
        case .map(let s): return "\(s.name) Map<\(s.keyType), \(s.valueType)>" + key("HashKey", s.hashKey) + ";"
        }
    }

    /// Prints several schemas, separated by blank lines.
    public static func text(of schemas: [HollowSchema]) -> String {
        schemas.map { text(of: $0) }.joined(separator: "\n\n") + (schemas.isEmpty ? "" : "\n")
    }

    // MARK: - Tokens and parser

    struct Token {
        enum Kind: Equatable { case word, symbol, eof }
        var kind: Kind
        var text: String
        var line: Int
        var column: Int
        var display: String { kind == .eof ? "end of input" : "'\(text)'" }
    }

    struct Parser {
        var tokens: [Token] = []
        var index = 0
        var lexError: HollowSchemaSyntaxError?

        init(_ text: String) {
            let chars = Array(text.unicodeScalars)
            var i = 0, line = 1, col = 1
            func isWordStart(_ c: Unicode.Scalar) -> Bool {
                (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c.value >= 128
            }
            func isWordPart(_ c: Unicode.Scalar) -> Bool {
                isWordStart(c) || (c >= "0" && c <= "9") || c == "." || c == "-"
            }
            while i < chars.count {
                let c = chars[i]
                if c == "\n" { line += 1; col = 1; i += 1; continue }
                if c == " " || c == "\t" || c == "\r" || c.value < 32 { i += 1; col += 1; continue }
                if c == "/" && i + 1 < chars.count && chars[i + 1] == "/" {
                    while i < chars.count && chars[i] != "\n" { i += 1 }
                    continue
                }
                if c == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                    let (sl, sc) = (line, col)
                    i += 2; col += 2
                    var closed = false
                    while i < chars.count {
                        if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" { i += 2; col += 2; closed = true; break }
                        if chars[i] == "\n" { line += 1; col = 1 } else { col += 1 }
                        i += 1
                    }
                    if !closed {
                        lexError = HollowSchemaSyntaxError(line: sl, column: sc, expected: "'*/' closing this comment", found: "end of input")
                        break
                    }
                    continue
                }
                if isWordStart(c) {
                    let (sl, sc) = (line, col)
                    var s = String.UnicodeScalarView()
                    while i < chars.count && isWordPart(chars[i]) { s.append(chars[i]); i += 1; col += 1 }
                    tokens.append(Token(kind: .word, text: String(s), line: sl, column: sc))
                    continue
                }
                tokens.append(Token(kind: .symbol, text: String(c), line: line, column: col))
                i += 1; col += 1
            }
            tokens.append(Token(kind: .eof, text: "", line: line, column: col))
        }

        func peek() -> Token { tokens[index] }
        mutating func next() -> Token {
            let t = tokens[index]
            if index < tokens.count - 1 { index += 1 }
            return t
        }

        func error(_ expected: String, _ t: Token) -> HollowSchemaSyntaxError {
            if t.kind == .eof, let lexError { return lexError }
            return HollowSchemaSyntaxError(line: t.line, column: t.column, expected: expected, found: t.display)
        }

        mutating func expect(_ symbol: String, _ what: String) throws(HollowSchemaSyntaxError) {
            let t = next()
            guard t.kind == .symbol, t.text == symbol else { throw error(what, t) }
        }

        mutating func word(_ what: String) throws(HollowSchemaSyntaxError) -> String {
            let t = next()
            guard t.kind == .word else { throw error(what, t) }
            return t.text
        }

        mutating func parseSchema() throws(HollowSchemaSyntaxError) -> HollowSchema? {
            let first = next()
            if first.kind == .eof {
                if let lexError { throw lexError }
                return nil
            }
            guard first.kind == .word else { throw error("a type name", first) }
            let name = first.text
            let t = peek()
            if t.kind == .word {
                _ = next()
                switch t.text {
                case "List":
                    try expect("<", "'<' after 'List' in type \(name)")
                    let element = try word("the element type of \(name)")
                    try expect(">", "'>' after the element type of \(name)")
                    try expect(";", "';' after the List declaration of \(name)")
                    return .list(HollowListSchema(name: name, elementType: element))
                case "Set":
                    try expect("<", "'<' after 'Set' in type \(name)")
                    let element = try word("the element type of \(name)")
                    try expect(">", "'>' after the element type of \(name)")
                    let key = try keyPaths("HashKey", name)
                    try expect(";", "';' after the Set declaration of \(name)")
                    return .set(HollowSetSchema(name: name, elementType: element, hashKey: key))
                case "Map":
                    try expect("<", "'<' after 'Map' in type \(name)")
                    let k = try word("the key type of \(name)")
                    try expect(",", "',' after the key type of \(name)")
                    let v = try word("the value type of \(name)")
                    try expect(">", "'>' after the value type of \(name)")
                    let key = try keyPaths("HashKey", name)
                    try expect(";", "';' after the Map declaration of \(name)")
                    return .map(HollowMapSchema(name: name, keyType: k, valueType: v, hashKey: key))
                default:
                    throw error("'{', '@PrimaryKey', 'List', 'Set' or 'Map' after type \(name)", t)
                }
            }
            let key = try keyPaths("PrimaryKey", name)
            try expect("{", "'{' or '@PrimaryKey' after type \(name)")
            var fields: [HollowObjectSchema.Field] = []
            var seen = Set<String>()
            while true {
                let ft = next()
                if ft.kind == .symbol && ft.text == "}" { break }
                guard ft.kind == .word else { throw error("a field type or '}' in type \(name)", ft) }
                let fieldToken = next()
                guard fieldToken.kind == .word else { throw error("a field name after '\(ft.text)' in type \(name)", fieldToken) }
                guard seen.insert(fieldToken.text).inserted else {
                    throw error("a new field name in type \(name)", fieldToken)
                }
                try expect(";", "';' after field \(name).\(fieldToken.text)")
                let primitive: [String: HollowFieldType] = [
                    "int": .int, "long": .long, "float": .float, "double": .double, "boolean": .boolean, "string": .string,
                    "bytes": .bytes,
                ]
                if let p = primitive[ft.text] {
                    fields.append(.init(name: fieldToken.text, type: p))
                } else {
                    fields.append(.init(name: fieldToken.text, type: .reference, referencedType: ft.text))
                }
            }
            return .object(HollowObjectSchema(name: name, fields: fields, primaryKey: key))
        }

        mutating func keyPaths(_ annotation: String, _ type: String) throws(HollowSchemaSyntaxError) -> [String]? {
            guard peek().kind == .symbol, peek().text == "@" else { return nil }
            _ = next()
            let a = next()
            guard a.kind == .word, a.text == annotation else { throw error("@\(annotation) in type \(type)", a) }
            try expect("(", "'(' after @\(annotation) in type \(type)")
            var paths: [String] = []
            if peek().kind == .symbol && peek().text == ")" {
                _ = next()
                return paths
            }
            while true {
                paths.append(try word("a field path in @\(annotation) of \(type)"))
                let t = next()
                if t.kind == .symbol && t.text == ")" { break }
                guard t.kind == .symbol, t.text == "," else { throw error("',' or ')' in @\(annotation) of \(type)", t) }
            }
            return paths
        }
    }
}
