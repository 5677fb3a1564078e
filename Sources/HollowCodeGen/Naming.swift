import HollowCore

/// Swift names for Hollow types and fields, following Java's `HollowCodeGenerationUtils`: the first letter
/// upper-cased, spaces and dots become `_`, and names that clash with the language's own types get an `H`
/// prefix (`String` → `HString`, `Integer` → `HInteger`, and Swift's `Int`, `Bool`, `Set`, ...).
struct Naming {
    let api: String
    private var types: [String: String] = [:]

    /// Java's default substitutions plus the Swift standard library names a schema is likely to use.
    static let substituted: Set<String> = [
        "String", "Integer", "Long", "Float", "Double", "Boolean", "Object",
        "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64", "Bool", "Character",
        "Array", "Set", "Dictionary", "Optional", "Result", "Error", "Never", "Any", "AnyObject", "Sequence",
        "Collection", "Substring", "Void", "Type", "Protocol", "Self", "Hasher", "Range", "Duration", "ReadState",
        "HollowValue", "HollowSchema", "HollowObjectSchema", "HollowObjectTypeDataAccess", "HollowUniqueKeyIndex",
        "HollowKeyHash", "HollowIndexError", "HollowCanonicalText", "HollowGeneratedRecord", "HollowRecords",
        "HollowHashIndex", "HollowHashIndexResult", "HollowHashIndexRecords", "FollowingIndex",
        "HollowDeltaUpdatableIndex",
    ]

    init(schemas: [HollowSchema], apiName: String) {
        var used = Set<String>()
        var types: [String: String] = [:]
        for s in schemas {
            var n = Self.identifier(Self.upperFirst(s.name))
            if Self.substituted.contains(n) { n = "H" + n }
            while used.contains(n) || n == apiName { n += "_" }
            used.insert(n)
            types[s.name] = n
        }
        self.types = types
        self.api = apiName
    }

    /// The Swift type name of Hollow type `name`.
    func type(_ name: String) -> String { types[name] ?? Self.identifier(Self.upperFirst(name)) }

    /// The lower-camel member name for type `name` (`movie`, `hString`), used for `movie(_:)`, `movieType`.
    func member(_ name: String) -> String { Self.lowerFirst(type(name)) }

    /// The type-API class of OBJECT type `name`.
    func typeAPI(_ name: String) -> String { type(name) + "TypeAPI" }

    /// The property of field `name` on a view (members of the view itself get a trailing `_`).
    func property(_ name: String) -> String {
        let n = Self.identifier(name)
        if ["api", "ordinal", "description", "hashValue", "init", "self", "Type", "debugDescription"].contains(n) {
            return n + "_"
        }
        return Self.escaped(n)
    }

    /// The stored field index of field `name` in a type API.
    func fieldIndexName(_ name: String) -> String { "field_" + Self.identifier(name) }

    /// The argument label of key path `path` in lookups: `country.code` → `countryCode`.
    func keyLabel(_ path: String) -> String {
        let parts = path.replacingBang().split(separator: ".").map(String.init)
        guard let first = parts.first else { return "key" }
        let joined = ([Self.lowerFirst(first)] + parts.dropFirst().map(Self.upperFirst)).joined()
        return Self.escaped(Self.identifier(joined))
    }

    static func upperFirst(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
    static func lowerFirst(_ s: String) -> String { s.prefix(1).lowercased() + s.dropFirst() }

    /// Replaces characters that cannot appear in a Swift identifier with `_`.
    static func identifier(_ s: String) -> String {
        var out = ""
        for (i, c) in s.enumerated() {
            if c == "_" || (c.isLetter && c.isASCII) || (c.isNumber && c.isASCII && i > 0) {
                out.append(c)
            } else if c.isNumber && c.isASCII {
                out += "_" + String(c)
            } else {
                out.append("_")
            }
        }
        return out.isEmpty ? "_" : out
    }

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "as", "false", "is", "nil", "super", "throws", "true", "try", "Any", "some", "any",
    ]

    static func escaped(_ s: String) -> String { keywords.contains(s) ? "`\(s)`" : s }
}

extension String {
    fileprivate func replacingBang() -> String { hasSuffix("!") ? String(dropLast()) : self }
}
