// @HollowRecord: derives a HollowRecord conformance (schema + direct writer) and the HollowTypeConfiguration that
// gives the Codable mapper the same schema, from a struct's stored properties. Mirrors the Codable mapper's
// (Java HollowObjectMapper's) naming and field rules; see HollowCore's HollowObjectMapper for the table.

import SwiftDiagnostics
public import SwiftSyntax
import SwiftSyntaxBuilder
public import SwiftSyntaxMacros

/// `@HollowRecord(typeName:primaryKey:numShards:)` on a struct, class or `String` enum.
public struct HollowRecordMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax,
        attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol,
        conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        let options = try RecordOptions(node)
        let access = accessPrefix(declaration.modifiers)
        let model: RecordModel
        if let e = declaration.as(EnumDeclSyntax.self) {
            model = try enumModel(e)
        } else if declaration.is(StructDeclSyntax.self) || declaration.is(ClassDeclSyntax.self) {
            if let generics = genericClause(declaration) {
                throw DiagnosticsError(diagnostics: [
                    .init(node: Syntax(generics), message: HollowMacroMessage.error(
                        "@HollowRecord cannot be applied to a generic type: a Hollow type has one schema"))
                ])
            }
            model = try structModel(declaration, options: options)
        } else {
            throw DiagnosticsError(diagnostics: [
                .init(node: Syntax(node), message: HollowMacroMessage.error(
                    "@HollowRecord applies to a struct, a class or an enum with String raw values"))
            ])
        }

        let requested = Set(protocols.map { $0.trimmedDescription.split(separator: ".").last.map(String.init) ?? "" })
        var extensions: [ExtensionDeclSyntax] = []

        // HollowRecord: the schema and the writer.
        var schema = ""
        if let name = options.typeName { schema += "        schema.typeName = \(literal(name))\n" }
        if !options.primaryKey.isEmpty { schema += "        schema.primaryKey = \(literal(options.primaryKey))\n" }
        if let n = options.numShards { schema += "        schema.numShards = \(n)\n" }
        var write = ""
        for f in model.fields {
            schema += "        schema.\(f.schemaCall)\n"
            write += "        try writer.\(f.writeCall)\n"
        }
        let recordConformance = requested.contains("HollowRecord") ? ": HollowCore.HollowRecord" : ""
        extensions.append(
            try ExtensionDeclSyntax(
                """
                extension \(type.trimmed)\(raw: recordConformance) {
                    /// The Hollow schema derived by `@HollowRecord` from the stored properties, in declaration order.
                    \(raw: access)static func hollowSchema(_ schema: inout HollowCore.HollowRecordSchema) {
                \(raw: schema)    }
                    /// Writes every stored property straight into the record's encoding (derived by `@HollowRecord`).
                    \(raw: access)func hollowWrite(to writer: inout HollowCore.HollowRecordWriter) throws {
                \(raw: write)    }
                }
                """))

        // HollowTypeConfiguration: the same declarations for the Codable mapper, so a type that is also Codable
        // maps to the same schema through either path.
        if requested.contains("HollowTypeConfiguration") {
            var config: [String] = []
            if let name = options.typeName { config.append("static var hollowTypeName: String? { \(literal(name)) }") }
            if !options.primaryKey.isEmpty {
                config.append("static var hollowPrimaryKey: [String]? { \(literal(options.primaryKey)) }")
            }
            let inline = model.fields.filter(\.inline).map(\.name)
            if !inline.isEmpty {
                config.append("static var hollowInlineFields: Set<String> { \(literal(inline)) }")
            }
            let hashKeys = model.fields.compactMap { f in f.hashKey.map { "\(literal(f.name)): \(literal($0))" } }
            if !hashKeys.isEmpty {
                config.append("static var hollowHashKeys: [String: [String]] { [\(hashKeys.joined(separator: ", "))] }")
            }
            let typeNames = model.fields.compactMap { f in f.typeName.map { "\(literal(f.name)): \(literal($0))" } }
            if !typeNames.isEmpty {
                config.append("static var hollowFieldTypeNames: [String: String] { [\(typeNames.joined(separator: ", "))] }")
            }
            if let n = options.numShards { config.append("static var hollowNumShards: Int? { \(n) }") }
            let body = config.map { "    \(access)\($0)\n" }.joined()
            extensions.append(
                try ExtensionDeclSyntax(
                    """
                    extension \(type.trimmed): HollowCore.HollowTypeConfiguration {
                    \(raw: body)}
                    """))
        }
        return extensions
    }

    // MARK: Models

    static func enumModel(_ e: EnumDeclSyntax) throws -> RecordModel {
        let raw = e.inheritanceClause?.inheritedTypes.first?.type.trimmedDescription
        guard raw == "String" || raw == "Swift.String" else {
            throw DiagnosticsError(diagnostics: [
                .init(node: Syntax(e.name), message: HollowMacroMessage.error(
                    "@HollowRecord enum '\(e.name.text)' needs String raw values: Hollow stores an enum as its name (field _name)"))
            ])
        }
        return RecordModel(fields: [
            RecordField(name: "_name", schemaCall: "string(\"_name\")", writeCall: "string(self.rawValue)", inline: false)
        ])
    }

    static func structModel(_ decl: some DeclGroupSyntax, options: RecordOptions) throws -> RecordModel {
        var fields: [RecordField] = []
        var diagnostics: [Diagnostic] = []
        for member in decl.memberBlock.members {
            guard let v = member.decl.as(VariableDeclSyntax.self) else { continue }
            if v.modifiers.contains(where: { ["static", "class", "lazy"].contains($0.name.text) }) { continue }
            let markers = FieldMarkers(v.attributes)
            if markers.transient { continue }
            // `var a, b: Int32`: a binding without a type takes the type of the next binding that has one.
            let bindings = Array(v.bindings)
            var types: [TypeSyntax?] = Array(repeating: nil, count: bindings.count)
            var next: TypeSyntax?
            for i in bindings.indices.reversed() {
                if let t = bindings[i].typeAnnotation?.type { next = t }
                types[i] = bindings[i].initializer == nil || bindings[i].typeAnnotation != nil ? next : nil
                if bindings[i].typeAnnotation == nil && bindings[i].initializer != nil { next = nil }
            }
            for (i, binding) in bindings.enumerated() {
                if let accessors = binding.accessorBlock, isComputed(accessors) { continue }
                guard let id = binding.pattern.as(IdentifierPatternSyntax.self) else {
                    diagnostics.append(.init(node: Syntax(binding.pattern), message: HollowMacroMessage.error(
                        "@HollowRecord cannot map the pattern '\(binding.pattern.trimmedDescription)': declare one stored property per name")))
                    continue
                }
                let name = id.identifier.text.trimmingBackticks
                if v.bindingSpecifier.tokenKind == .keyword(.let), binding.initializer != nil {
                    diagnostics.append(.init(node: Syntax(binding), message: HollowMacroMessage.error(
                        "member '\(name)' is a 'let' with an initial value, which Codable does not decode and Hollow cannot "
                            + "set; make it a 'var' or mark it @HollowTransient")))
                    continue
                }
                guard let type = types[i] else {
                    diagnostics.append(.init(node: Syntax(binding), message: HollowMacroMessage.error(
                        "member '\(name)' needs an explicit type annotation for @HollowRecord to derive its Hollow field")))
                    continue
                }
                do {
                    fields.append(try field(name: name, access: id.identifier.text, type: type, markers: markers))
                } catch let e as DiagnosticsError {
                    diagnostics += e.diagnostics
                }
            }
        }
        let names = Set(fields.map(\.name))
        if let attr = options.primaryKeyNode {
            for path in options.primaryKey {
                let first = String(path.split(separator: ".").first ?? "")
                if !names.contains(first) {
                    diagnostics.append(.init(node: Syntax(attr), message: HollowMacroMessage.error(
                        "primary key field '\(path)' does not name a stored property (fields: \(fields.map(\.name).joined(separator: ", ")))")))
                }
            }
        }
        if !diagnostics.isEmpty { throw DiagnosticsError(diagnostics: diagnostics) }
        return RecordModel(fields: fields)
    }

    /// One stored property as a Hollow field: its schema call, its write call and its Codable configuration.
    static func field(name: String, access: String, type: TypeSyntax, markers: FieldMarkers) throws -> RecordField {
        func fail(_ message: String) -> DiagnosticsError {
            DiagnosticsError(diagnostics: [.init(node: Syntax(type), message: HollowMacroMessage.error(message))])
        }
        let shown = type.trimmedDescription
        let (optional, base) = try unwrapOptional(type, member: name)
        let value = "self.\(access)"
        let n = literal(name)
        let kind = try classify(base, member: name, shown: shown)

        if markers.hashKey != nil, !kind.isSetOrMap {
            throw fail("@HollowHashKey on member '\(name)' of type '\(shown)': a hash key applies to a Set or a Dictionary")
        }
        if markers.typeName != nil, !kind.isCollection {
            throw fail("@HollowTypeName on member '\(name)' of type '\(shown)': names a List, Set or Map type; name a record type with @HollowRecord(typeName:)")
        }
        if markers.inline, !kind.isScalar {
            throw fail("@HollowInline on member '\(name)' of type '\(shown)': only String and optional numbers or Bool can be inline")
        }
        let typeNameArg = markers.typeName.map { ", typeName: \(literal($0))" } ?? ""
        let hashKeyArg = markers.hashKey.map { ", hashKey: \(literal($0))" } ?? ""
        var f = RecordField(name: name, schemaCall: "", writeCall: "", inline: markers.inline)
        f.hashKey = markers.hashKey
        f.typeName = markers.typeName

        switch kind {
        case .scalar(let s):
            if s.hollow == .bytes {
                f.schemaCall = "bytes(\(n))"
                f.writeCall = "bytes(\(value))"
                f.inline = false
            } else if s.hollow == .string ? markers.inline : (markers.inline || !optional) {
                // Inline field (Codable: non-optional numbers/Bool always, String and optionals when @HollowInline).
                f.schemaCall = "\(s.hollow.call)(\(n))"
                f.writeCall = "\(s.hollow.call)(\(s.convert(value, optional: optional)))"
                f.inline = markers.inline && (s.hollow == .string || optional)
            } else {
                // A reference to the boxed type (`String`, `Integer`, `Long`, ...).
                f.schemaCall = "reference(\(n), \(s.element).self)"
                f.writeCall = "reference(\(s.convert(value, optional: optional)))"
            }
        case .record(let t):
            f.schemaCall = "reference(\(n), \(t).self)"
            f.writeCall = "reference(\(value))"
        case .list(let e):
            f.schemaCall = "list(\(n), of: \(e.swift).self\(typeNameArg))"
            f.writeCall = "list(\(e.mapElements(value, chain: optional ? "?" : "")))"
        case .set(let e, let ordered):
            f.schemaCall = "set(\(n), of: \(e.swift).self\(hashKeyArg)\(typeNameArg))"
            let (seq, chain) =
                ordered ? ("\(value)\(optional ? "?" : "").elements", "") : ("HollowMacros.HollowRecordOrder.elements(\(value))", "?")
            f.writeCall = "set(\(e.mapElements(seq, chain: chain)))"
        case .map(let k, let v, let ordered):
            f.schemaCall = "map(\(n), key: \(k.swift).self, value: \(v.swift).self\(hashKeyArg)\(typeNameArg))"
            let (seq, chain) =
                ordered ? ("\(value)\(optional ? "?" : "").entries", "") : ("HollowMacros.HollowRecordOrder.entries(\(value))", "?")
            if k.conversion == nil && v.conversion == nil {
                f.writeCall = "map(\(seq))"
            } else {
                f.writeCall = "map(\(seq)\(chain).map { (key: \(k.convert("$0.key")), value: \(v.convert("$0.value"))) })"
            }
        }
        return f
    }

    // MARK: Types

    static func unwrapOptional(_ type: TypeSyntax, member: String) throws -> (Bool, TypeSyntax) {
        var wrapped: TypeSyntax?
        if let o = type.as(OptionalTypeSyntax.self) {
            wrapped = o.wrappedType
        } else if let o = type.as(ImplicitlyUnwrappedOptionalTypeSyntax.self) {
            wrapped = o.wrappedType
        } else if let (name, args) = named(type), name == "Optional", args.count == 1 {
            wrapped = args[0]
        }
        guard let wrapped else { return (false, type) }
        if (try? unwrapOptional(wrapped, member: member))?.0 == true {
            throw DiagnosticsError(diagnostics: [.init(node: Syntax(type), message: HollowMacroMessage.error(
                "member '\(member)' has type '\(type.trimmedDescription)': a nested optional has no Hollow field type"))])
        }
        return (true, wrapped)
    }

    /// `Name<Args>` / `Module.Name<Args>` → ("Name", args) for Swift, HollowCore and plain identifier types.
    static func named(_ type: TypeSyntax) -> (String, [TypeSyntax])? {
        if let id = type.as(IdentifierTypeSyntax.self) {
            return (id.name.text, id.genericArgumentClause.map(arguments) ?? [])
        }
        if let m = type.as(MemberTypeSyntax.self), let base = m.baseType.as(IdentifierTypeSyntax.self),
            ["Swift", "HollowCore"].contains(base.name.text)
        {
            return (m.name.text, m.genericArgumentClause.map(arguments) ?? [])
        }
        return nil
    }

    static func arguments(_ clause: GenericArgumentClauseSyntax) -> [TypeSyntax] {
        clause.arguments.compactMap { arg -> TypeSyntax? in
            if case .type(let t) = arg.argument { return t }
            return nil
        }
    }

    static func classify(_ type: TypeSyntax, member: String, shown: String) throws -> FieldKind {
        func fail(_ message: String) -> DiagnosticsError {
            DiagnosticsError(diagnostics: [.init(node: Syntax(type), message: HollowMacroMessage.error(
                "@HollowRecord cannot map member '\(member)' of type '\(shown)': \(message)"))])
        }
        if let a = type.as(ArrayTypeSyntax.self) {
            if ["UInt8", "Swift.UInt8"].contains(a.element.trimmedDescription) { return .scalar(.bytes) }
            return .list(try element(a.element, fail))
        }
        if let d = type.as(DictionaryTypeSyntax.self) {
            return .map(try element(d.key, fail), try element(d.value, fail), ordered: false)
        }
        if let (name, args) = named(type) {
            switch (name, args.count) {
            case ("Array", 1):
                if args[0].trimmedDescription == "UInt8" || args[0].trimmedDescription == "Swift.UInt8" { return .scalar(.bytes) }
                return .list(try element(args[0], fail))
            case ("Set", 1): return .set(try element(args[0], fail), ordered: false)
            case ("HollowOrderedSet", 1): return .set(try element(args[0], fail), ordered: true)
            case ("Dictionary", 2): return .map(try element(args[0], fail), try element(args[1], fail), ordered: false)
            case ("HollowOrderedMap", 2): return .map(try element(args[0], fail), try element(args[1], fail), ordered: true)
            default: break
            }
            if let s = Scalar(type) { return .scalar(s) }
            if let reason = unsupportedNames[name] { throw fail(reason) }
            guard args.isEmpty else {
                throw fail("\(name)<...> is a generic type; Hollow maps records, Array, Set, Dictionary, HollowOrderedSet and HollowOrderedMap")
            }
            return .record(type.trimmedDescription)
        }
        if type.is(MemberTypeSyntax.self) {
            if let m = type.as(MemberTypeSyntax.self), m.genericArgumentClause != nil {
                throw fail("a generic type; Hollow maps records, Array, Set, Dictionary, HollowOrderedSet and HollowOrderedMap")
            }
            return .record(type.trimmedDescription)
        }
        if type.is(TupleTypeSyntax.self) { throw fail("a tuple has no Hollow type; declare a @HollowRecord struct for it") }
        if type.is(FunctionTypeSyntax.self) { throw fail("a function has no Hollow type") }
        if type.is(SomeOrAnyTypeSyntax.self) || type.is(CompositionTypeSyntax.self) {
            throw fail("an existential or opaque type has no fixed Hollow schema; use a concrete @HollowRecord type")
        }
        if type.is(MetatypeTypeSyntax.self) { throw fail("a metatype has no Hollow type") }
        throw fail("this kind of type has no Hollow mapping")
    }

    /// An element, key or value of a collection: a boxed scalar or a record type.
    static func element(_ type: TypeSyntax, _ fail: (String) -> DiagnosticsError) throws -> ElementType {
        if type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) || named(type)?.0 == "Optional" {
            throw fail("collections cannot hold nil in Hollow; make the element type '\(type.trimmedDescription)' non-optional")
        }
        if type.is(ArrayTypeSyntax.self) || type.is(DictionaryTypeSyntax.self)
            || ["Array", "Set", "Dictionary", "HollowOrderedSet", "HollowOrderedMap"].contains(named(type)?.0 ?? "")
        {
            throw fail("nested collection '\(type.trimmedDescription)' is not supported; wrap the inner collection in a @HollowRecord struct")
        }
        if let s = Scalar(type) {
            guard s.hollow != .bytes else { throw fail("[UInt8] is a BYTES field, not an element type") }
            return ElementType(swift: s.element, conversion: s.conversion)
        }
        if let (name, args) = named(type) {
            if let reason = unsupportedNames[name] { throw fail(reason) }
            if !args.isEmpty { throw fail("generic element type '\(type.trimmedDescription)' has no Hollow type") }
            return ElementType(swift: type.trimmedDescription, conversion: nil)
        }
        if let m = type.as(MemberTypeSyntax.self), m.genericArgumentClause == nil {
            return ElementType(swift: type.trimmedDescription, conversion: nil)
        }
        throw fail("element type '\(type.trimmedDescription)' has no Hollow type; use a scalar or a @HollowRecord type")
    }

    static let unsupportedNames: [String: String] = {
        var r: [String: String] = [:]
        for n in ["Date", "URL", "UUID", "Decimal", "Data"] {
            r[n] = "\(n) has no Hollow field type; store it as a scalar (e.g. Int64 milliseconds, String) or a @HollowRecord"
        }
        for n in ["Character", "Substring"] { r[n] = "\(n) has no Hollow field type; use String" }
        for n in ["Int128", "UInt128"] { r[n] = "Hollow has no 128-bit integer; split it into two Int64 fields" }
        for n in ["Float16", "Float80", "CGFloat"] { r[n] = "\(n) has no Hollow field type; use Float or Double" }
        for n in ["Any", "AnyObject", "AnyHashable"] { r[n] = "\(n) has no fixed Hollow schema; use a concrete @HollowRecord type" }
        for n in ["ContiguousArray", "ArraySlice"] { r[n] = "use Array for a Hollow LIST" }
        return r
    }()

    // MARK: Helpers

    static func isComputed(_ accessors: AccessorBlockSyntax) -> Bool {
        switch accessors.accessors {
        case .getter: return true
        case .accessors(let list):
            return list.contains { !["willSet", "didSet"].contains($0.accessorSpecifier.text) }
        }
    }

    static func genericClause(_ decl: some DeclGroupSyntax) -> GenericParameterClauseSyntax? {
        decl.as(StructDeclSyntax.self)?.genericParameterClause ?? decl.as(ClassDeclSyntax.self)?.genericParameterClause
    }

    static func accessPrefix(_ modifiers: DeclModifierListSyntax) -> String {
        for m in modifiers {
            switch m.name.text {
            case "public", "open": return "public "
            case "package": return "package "
            default: continue
            }
        }
        return ""
    }
}

// MARK: - Model

struct RecordModel {
    var fields: [RecordField]
}

struct RecordField {
    var name: String
    var schemaCall: String
    var writeCall: String
    /// Declared `@HollowInline` (for the Codable configuration).
    var inline: Bool
    var hashKey: [String]?
    var typeName: String?
}

enum FieldKind {
    case scalar(Scalar)
    case record(String)
    case list(ElementType)
    case set(ElementType, ordered: Bool)
    case map(ElementType, ElementType, ordered: Bool)

    var isScalar: Bool { if case .scalar(let s) = self { s.hollow != .bytes } else { false } }
    var isCollection: Bool {
        switch self {
        case .list, .set, .map: true
        default: false
        }
    }
    var isSetOrMap: Bool {
        switch self {
        case .set, .map: true
        default: false
        }
    }
}

/// A collection element, key or value: the `HollowElement` type the schema names, and how a Swift value
/// converts to it (`Int16` → `Int32(v)`), if it must.
struct ElementType {
    var swift: String
    var conversion: (@Sendable (String) -> String)?

    func convert(_ v: String) -> String { conversion?(v) ?? v }

    /// The sequence `value` with its elements converted; `chain` is "?" when `value` is an optional value.
    func mapElements(_ value: String, chain: String) -> String {
        guard conversion != nil else { return value }
        return "\(value)\(chain).map { \(convert("$0")) }"
    }
}

enum HollowScalar {
    case int, long, boolean, float, double, string, bytes
    var call: String {
        switch self {
        case .int: "int"
        case .long: "long"
        case .boolean: "boolean"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .bytes: "bytes"
        }
    }
}

/// A Swift scalar type: its Hollow field type, the `HollowElement` type it is boxed as, and its conversion.
struct Scalar {
    var hollow: HollowScalar
    var element: String
    var conversion: (@Sendable (String) -> String)?

    static var bytes: Scalar { Scalar(hollow: .bytes, element: "", conversion: nil) }

    init(hollow: HollowScalar, element: String, conversion: (@Sendable (String) -> String)?) {
        self.hollow = hollow
        self.element = element
        self.conversion = conversion
    }

    init?(_ type: TypeSyntax) {
        guard let (name, args) = HollowRecordMacro.named(type), args.isEmpty else { return nil }
        switch name {
        case "Int32": self.init(hollow: .int, element: "Int32", conversion: nil)
        case "Int8", "Int16", "UInt8", "UInt16": self.init(hollow: .int, element: "Int32", conversion: { "Int32(\($0))" })
        case "Int64": self.init(hollow: .long, element: "Int64", conversion: nil)
        case "Int": self.init(hollow: .long, element: "Int", conversion: nil)
        case "UInt32": self.init(hollow: .long, element: "Int64", conversion: { "Int64(\($0))" })
        case "UInt64": self.init(hollow: .long, element: "Int64", conversion: { "Int64(bitPattern: \($0))" })
        case "UInt": self.init(hollow: .long, element: "Int64", conversion: { "Int64(bitPattern: UInt64(\($0)))" })
        case "Bool": self.init(hollow: .boolean, element: "Bool", conversion: nil)
        case "Float": self.init(hollow: .float, element: "Float", conversion: nil)
        case "Double": self.init(hollow: .double, element: "Double", conversion: nil)
        case "String": self.init(hollow: .string, element: "String", conversion: nil)
        default: return nil
        }
    }

    /// The argument for the field's write call: `value` converted (an `Int` to `Int64` for a LONG field, ...).
    func convert(_ value: String, optional: Bool) -> String {
        var c = conversion
        // A LONG field takes Int64; a boxed `Long` takes Int as it is (Int is a HollowElement).
        if c == nil, hollow == .long, element == "Int" { c = { "Int64(\($0))" } }
        guard let c else { return value }
        return optional ? "\(value).map { \(c("$0")) }" : c(value)
    }
}

// MARK: - Arguments and markers

struct RecordOptions {
    var typeName: String?
    var primaryKey: [String] = []
    var primaryKeyNode: ExprSyntax?
    var numShards: Int?

    init(_ node: AttributeSyntax) throws {
        guard case .argumentList(let args) = node.arguments else { return }
        for arg in args {
            switch arg.label?.text {
            case "typeName":
                guard let s = stringLiteral(arg.expression) else { throw literalError(arg.expression, "typeName", "a string literal") }
                typeName = s
            case "primaryKey":
                guard let a = arg.expression.as(ArrayExprSyntax.self) else {
                    throw literalError(arg.expression, "primaryKey", "an array of string literals")
                }
                primaryKey = try a.elements.map {
                    guard let s = stringLiteral($0.expression) else {
                        throw literalError($0.expression, "primaryKey", "an array of string literals")
                    }
                    return s
                }
                primaryKeyNode = arg.expression
            case "numShards":
                guard let i = arg.expression.as(IntegerLiteralExprSyntax.self), let n = Int(i.literal.text), n > 0,
                    n & (n - 1) == 0
                else { throw literalError(arg.expression, "numShards", "a power of two integer literal") }
                numShards = n
            default:
                break
            }
        }
    }
}

/// The `@HollowInline`, `@HollowHashKey`, `@HollowTypeName` and `@HollowTransient` markers on a property.
struct FieldMarkers {
    var inline = false
    var transient = false
    var hashKey: [String]?
    var typeName: String?

    init(_ attributes: AttributeListSyntax) {
        for case .attribute(let a) in attributes {
            let name = a.attributeName.trimmedDescription.split(separator: ".").last.map(String.init) ?? ""
            let args: [ExprSyntax]
            if case .argumentList(let list) = a.arguments { args = list.map(\.expression) } else { args = [] }
            switch name {
            case "HollowInline": inline = true
            case "HollowTransient": transient = true
            case "HollowHashKey": hashKey = args.compactMap(stringLiteral)
            case "HollowTypeName": typeName = args.first.flatMap(stringLiteral)
            default: break
            }
        }
    }
}

func stringLiteral(_ e: ExprSyntax) -> String? {
    guard let s = e.as(StringLiteralExprSyntax.self), s.segments.count == 1,
        case .stringSegment(let seg) = s.segments.first
    else { return nil }
    return seg.content.text
}

func literalError(_ e: ExprSyntax, _ argument: String, _ expected: String) -> DiagnosticsError {
    DiagnosticsError(diagnostics: [.init(node: Syntax(e), message: HollowMacroMessage.error(
        "@HollowRecord's \(argument) must be \(expected)"))])
}

/// A Swift string literal for `s`.
func literal(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(c)
        }
    }
    return out + "\""
}

func literal(_ a: [String]) -> String { "[" + a.map { literal($0) }.joined(separator: ", ") + "]" }

extension String {
    var trimmingBackticks: String {
        hasPrefix("`") && hasSuffix("`") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}

/// A diagnostic of the Hollow macros.
struct HollowMacroMessage: DiagnosticMessage {
    let message: String
    let diagnosticID: MessageID
    let severity: DiagnosticSeverity

    static func error(_ message: String) -> Self {
        Self(message: message, diagnosticID: MessageID(domain: "HollowMacros", id: "error"), severity: .error)
    }
}
