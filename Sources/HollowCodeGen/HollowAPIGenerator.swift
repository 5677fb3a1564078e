public import HollowCore

/// Bad generator input: a schema file that does not parse, or schemas that reference undefined types.
public struct HollowCodeGenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the file and line where known.
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Generates a typed Swift API from Hollow schemas (Java: `HollowAPIGenerator`).
///
/// Per OBJECT type a view struct (API + ordinal) with one property per field, nil for null; references as
/// views; LIST, SET and MAP types as typed collections; a `<Type>PrimaryKeyIndex` (typed key parameters) and a
/// `<Type>UniqueKeyIndex` (any key paths) for each declared primary key, and an `<API>HashIndex` whose queries
/// return typed records, all able to follow a consumer's deltas; and an API root class that resolves every type and field once per ``ReadState`` and lists all
/// records of a type. Names follow Java's generator: `Movie`, `HString` for `String`, `getAllMovie` →
/// `allMovie`.
public struct HollowAPIGenerator: Sendable {
    /// The schemas to generate for.
    public var schemas: [HollowSchema]
    /// The name of the API root class.
    public var apiName: String

    /// A generator for `schemas` whose root class is `apiName`.
    public init(schemas: [HollowSchema], apiName: String = "HollowAPI") {
        self.schemas = schemas
        self.apiName = apiName
    }

    /// Parses schema text (the language of ``HollowSchemaParser``) and checks every referenced type exists.
    /// - Throws: ``HollowCodeGenError`` naming `fileName` and the line of the problem.
    public static func parseSchemas(_ text: String, fileName: String) throws(HollowCodeGenError) -> [HollowSchema] {
        let schemas: [HollowSchema]
        do throws(HollowSchemaSyntaxError) {
            schemas = try HollowSchemaParser.parseCollectionOfSchemas(text)
        } catch {
            throw HollowCodeGenError("\(fileName):\(error.line):\(error.column): expected \(error.expected), found \(error.found)")
        }
        let names = Set(schemas.map(\.name))
        for s in schemas {
            for r in s.referencedTypes where !names.contains(r) {
                let line = lineOf(type: s.name, in: text)
                throw HollowCodeGenError(
                    "\(fileName):\(line): type \(s.name) references \(r), which the file does not define")
            }
        }
        if schemas.isEmpty { throw HollowCodeGenError("\(fileName):1: the file defines no types") }
        return schemas
    }

    /// The 1-based line where `type` is declared (the first line starting with its name), or 1.
    static func lineOf(type: String, in text: String) -> Int {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.drop { $0 == " " || $0 == "\t" }
            if t.hasPrefix(type), t.dropFirst(type.count).first.map({ !$0.isLetter && !$0.isNumber && $0 != "_" }) ?? true {
                return i + 1
            }
        }
        return 1
    }

    /// The generated files: file name → Swift source.
    /// - Throws: ``HollowCodeGenError`` when a schema references a type that is not among ``schemas``.
    public func generate() throws(HollowCodeGenError) -> [(name: String, source: String)] {
        let byName = Dictionary(schemas.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for s in schemas {
            for r in s.referencedTypes where byName[r] == nil {
                throw HollowCodeGenError("type \(s.name) references \(r), which is not among the schemas")
            }
        }
        let names = Naming(schemas: schemas, apiName: apiName)
        var files: [(String, String)] = []
        files.append(("\(names.api).swift", apiFile(names)))
        files.append(("\(names.api)HashIndex.swift", hashIndexFile(names)))
        for s in schemas.sorted(by: { $0.name < $1.name }) {
            let type = names.type(s.name)
            switch s {
            case .object(let o):
                files.append(("\(type).swift", objectFile(o, names)))
                if let key = o.primaryKey {
                    files.append(("\(type)PrimaryKeyIndex.swift", try primaryKeyFile(o, key, byName, names)))
                    files.append(("\(type)UniqueKeyIndex.swift", uniqueKeyFile(o, names)))
                }
            case .list(let l): files.append(("\(type).swift", listFile(l, names)))
            case .set(let st): files.append(("\(type).swift", try setFile(st, byName, names)))
            case .map(let m): files.append(("\(type).swift", try mapFile(m, byName, names)))
            }
        }
        return files
    }

    /// All generated code in one source file (what the build-tool plugin writes).
    public func generateSingleFile() throws(HollowCodeGenError) -> String {
        let h = header()
        var out = h
        for (_, source) in try generate() {
            out += source.hasPrefix(h) ? String(source.dropFirst(h.count)) : source
            out += "\n"
        }
        return out
    }

    /// Writes the generated files into `directory` (created if missing), one file per type plus the API root.
    /// - Returns: the paths written.
    /// - Throws: ``HollowCodeGenError`` for schemas that reference unknown types or a directory that cannot be written.
    public func write(to directory: String) throws(HollowCodeGenError) -> [String] {
        let files = try generate()
        try FileOutput.makeDirectory(directory)
        var written: [String] = []
        for (name, source) in files {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            try FileOutput.write(source, to: path)
            written.append(path)
        }
        return written
    }

    // MARK: API root

    private func apiFile(_ n: Naming) -> String {
        var o = header()
        o += "/// The typed API over one Hollow read state (Java: the generated `HollowAPI`). Views made from it read\n"
        o += "/// that state only, so holding a view keeps a consistent state across refreshes.\n"
        o += "public final class \(n.api): Sendable {\n"
        o += "    /// The state every view of this API reads.\n"
        o += "    public let state: ReadState\n"
        for s in schemas {
            switch s {
            case .object: o += "    /// Field access of type \(s.name).\n    public let \(n.member(s.name))Type: \(n.typeAPI(s.name))\n"
            case .list: o += "    /// Read access to LIST type \(s.name), nil when the state lacks it.\n    public let \(n.member(s.name))Type: HollowListTypeReadState?\n"
            case .set: o += "    /// Read access to SET type \(s.name), nil when the state lacks it.\n    public let \(n.member(s.name))Type: HollowSetTypeReadState?\n"
            case .map: o += "    /// Read access to MAP type \(s.name), nil when the state lacks it.\n    public let \(n.member(s.name))Type: HollowMapTypeReadState?\n"
            }
        }
        o += "\n    /// Resolves every type and field of `state` once.\n"
        o += "    public init(_ state: ReadState) {\n        self.state = state\n"
        for s in schemas {
            let m = n.member(s.name)
            switch s {
            case .object: o += "        self.\(m)Type = \(n.typeAPI(s.name))(state)\n"
            case .list: o += "        self.\(m)Type = state.listType(\(lit(s.name)))\n"
            case .set: o += "        self.\(m)Type = state.setType(\(lit(s.name)))\n"
            case .map: o += "        self.\(m)Type = state.mapType(\(lit(s.name)))\n"
            }
        }
        o += "    }\n\n"
        for s in schemas {
            let t = n.type(s.name)
            let m = n.member(s.name)
            o += "    /// Every populated record of \(s.name), in ordinal order (Java `getAll\(t)()`).\n"
            o += "    public var all\(t): HollowRecords<\(t)> { HollowRecords(api: self, ordinals: state.populatedOrdinals(of: \(lit(s.name)))) }\n"
            o += "    /// The \(s.name) record with `ordinal` (Java `get\(t)(int)`).\n"
            o += "    @inlinable public func \(Naming.escaped(m))(_ ordinal: Int) -> \(t) { \(t)(api: self, ordinal: ordinal) }\n"
        }
        o += "\n    /// Every record of type `name` as generated views, in ordinal order; empty for an unknown name.\n"
        o += "    public func allRecords(ofType name: String) -> [any HollowGeneratedRecord] {\n        switch name {\n"
        for s in schemas { o += "        case \(lit(s.name)): return all\(n.type(s.name)).map { $0 }\n" }
        o += "        default: return []\n        }\n    }\n}\n"
        for case .object(let s) in schemas {
            o += "\n/// Type \(s.name) of one state: its data access and the state's index of each field (-1 when absent).\n"
            o += "public final class \(n.typeAPI(s.name)): Sendable {\n"
            o += "    /// The fast field reader of type \(s.name).\n    public let access: HollowObjectTypeDataAccess\n"
            for f in s.fields { o += "    @usableFromInline let \(n.fieldIndexName(f.name)): Int\n" }
            o += "\n    init(_ state: ReadState) {\n"
            o += "        let access = HollowObjectTypeDataAccess(state: state, expecting: \(schemaLiteral(s)))\n"
            o += "        self.access = access\n"
            for f in s.fields {
                o += "        \(n.fieldIndexName(f.name)) = access.schema.fields.firstIndex { $0.name == \(lit(f.name)) && $0.type == .\(f.type.swiftCase) } ?? -1\n"
            }
            o += "    }\n}\n"
        }
        return o
    }

    private func schemaLiteral(_ s: HollowObjectSchema) -> String {
        let fields = s.fields.map { f in
            ".init(name: \(lit(f.name)), type: .\(f.type.swiftCase)\(f.referencedType.map { ", referencedType: \(lit($0))" } ?? ""))"
        }
        let key = s.primaryKey.map { ", primaryKey: [\($0.map(lit).joined(separator: ", "))]" } ?? ""
        return "HollowObjectSchema(name: \(lit(s.name)), fields: [\(fields.joined(separator: ", "))]\(key))"
    }

    // MARK: Objects

    private func objectFile(_ s: HollowObjectSchema, _ n: Naming) -> String {
        let t = n.type(s.name)
        let m = n.member(s.name)
        var o = header()
        o += "/// A record of OBJECT type \(s.name): its API and ordinal. Cheap to copy; reads fields from the compact\n"
        o += "/// encoding of the state the API was made from. Every property is nil when the field is null.\n"
        o += "public struct \(t): HollowGeneratedRecord, Hashable {\n"
        o += "    /// The API the view reads through.\n    public let api: \(n.api)\n"
        o += "    /// The record's ordinal.\n    public let ordinal: Int\n\n"
        o += "    /// The view of record `ordinal`.\n"
        o += "    @inlinable public init(api: \(n.api), ordinal: Int) {\n        self.api = api\n        self.ordinal = ordinal\n    }\n"
        // Each getter reads the access as a guaranteed reference without a copy (`_withUnsafeGuaranteedRef`: the
        // view's `api` keeps the type API and its access alive; a strong or an unowned(unsafe) local made the release
        // build retain and release the access around every read) and is inlined into the caller, so a loop over
        // views makes no call and no retain per field.
        for f in s.fields {
            let p = n.property(f.name)
            let idx = "api.\(m)Type.\(n.fieldIndexName(f.name))"
            let guaranteed = "Unmanaged.passUnretained(api.\(m)Type.access)._withUnsafeGuaranteedRef"
            o += "\n    /// Field `\(f.name)` (\(f.type.rawValue)\(f.referencedType.map { " → \($0)" } ?? "")).\n"
            switch f.type {
            case .reference:
                let rt = n.type(f.referencedType ?? "")
                o += "    @inlinable @inline(__always) public var \(p): \(rt)? {\n"
                o += "        \(guaranteed) { $0.readOrdinal(ordinal, \(idx)) }.map { \(rt)(api: api, ordinal: $0) }\n    }\n"
            default:
                o += "    @inlinable @inline(__always) public var \(p): \(f.type.swiftType)? {\n"
                o += "        \(guaranteed) { $0.\(f.type.readMethod)(ordinal, \(idx)) }\n    }\n"
            }
        }
        o += "\n    /// True if both views show the same record of the same state.\n"
        o += "    public static func == (a: \(t), b: \(t)) -> Bool { a.api === b.api && a.ordinal == b.ordinal }\n"
        o += "    public func hash(into hasher: inout Hasher) {\n        hasher.combine(ObjectIdentifier(api))\n        hasher.combine(ordinal)\n    }\n"
        o += "\n    /// The record as one line of the canonical dump (`hollow dump`).\n"
        o += "    public var description: String {\n"
        o += "        var s = \"{\\\"ordinal\\\":\\(ordinal),\\\"fields\\\":{\"\n"
        for (i, f) in s.fields.enumerated() {
            let p = n.property(f.name)
            o += "        s += \(lit((i > 0 ? "," : "") + jsonString(f.name) + ":"))\n"
            let render: String
            switch f.type {
            case .int, .long, .boolean: render = "String(v)"
            case .float: render = "HollowCanonicalText.float(v)"
            case .double: render = "HollowCanonicalText.double(v)"
            case .string: render = "HollowCanonicalText.string(v)"
            case .bytes: render = "HollowCanonicalText.bytes(v)"
            case .reference: render = "String(v.ordinal)"
            }
            o += "        if let v = \(p) { s += \(render) } else { s += \"null\" }\n"
        }
        o += "        return s + \"}}\"\n    }\n}\n"
        return o
    }

    // MARK: Collections

    private func listFile(_ s: HollowListSchema, _ n: Naming) -> String {
        let t = n.type(s.name)
        let e = n.type(s.elementType)
        let m = n.member(s.name)
        var o = header()
        o += "/// A record of LIST type \(s.name): its elements as \(e) views, in list order.\n"
        o += "public struct \(t): HollowGeneratedRecord, RandomAccessCollection, Hashable {\n"
        o += commonHead(t, n)
        o += "    /// The number of elements.\n    public var count: Int { api.\(m)Type?.size(ordinal) ?? 0 }\n"
        o += "    public var startIndex: Int { 0 }\n    public var endIndex: Int { count }\n"
        o += "    /// The element at `position` (0 ..< count).\n"
        o += "    public subscript(position: Int) -> \(e) {\n"
        o += "        \(e)(api: api, ordinal: api.\(m)Type?.elementOrdinal(ordinal, position) ?? -1)\n    }\n"
        o += commonTail(t)
        o += "    /// The record as one line of the canonical dump (`hollow dump`).\n"
        o += "    public var description: String {\n"
        o += "        \"{\\\"ordinal\\\":\\(ordinal),\\\"elements\\\":[\" + map { String($0.ordinal) }.joined(separator: \",\") + \"]}\"\n    }\n}\n"
        return o
    }

    private func setFile(_ s: HollowSetSchema, _ byName: [String: HollowSchema], _ n: Naming) throws(HollowCodeGenError) -> String {
        let t = n.type(s.name)
        let e = n.type(s.elementType)
        let m = n.member(s.name)
        var o = header()
        o += "/// A record of SET type \(s.name): \(e) views in hash-bucket order\(s.hashKey.map { ", hashed by \($0.joined(separator: ", "))" } ?? "").\n"
        o += "public struct \(t): HollowGeneratedRecord, Sequence, Hashable {\n"
        o += commonHead(t, n)
        o += "    /// The number of elements.\n    public var count: Int { api.\(m)Type?.size(ordinal) ?? 0 }\n"
        o += "    /// The elements' ordinals, in bucket order.\n"
        o += "    public var elementOrdinals: [Int] { api.\(m)Type?.elementOrdinals(ordinal) ?? [] }\n"
        o += "    public func makeIterator() -> [\(e)].Iterator { elementOrdinals.map { \(e)(api: api, ordinal: $0) }.makeIterator() }\n"
        o += "    /// True if the set holds `element`, found by hash-table probing.\n"
        o += "    public func contains(_ element: \(e)) -> Bool { api.\(m)Type?.contains(ordinal, element: element.ordinal) ?? false }\n"
        if let key = s.hashKey {
            let params = try keyParams(root: s.elementType, key, byName, n)
            o += "    /// The element whose hash key (\(key.joined(separator: ", "))) equals the arguments (Java `findElement`), or nil.\n"
            o += "    public func findElement(\(params.map { "\($0.label): \($0.type)" }.joined(separator: ", "))) -> \(e)? {\n"
            o += "        api.\(m)Type?.findElement(ordinal, key: [\(params.map { $0.hollowValue }.joined(separator: ", "))]).map { \(e)(api: api, ordinal: $0) }\n    }\n"
        }
        o += commonTail(t)
        o += "    /// The record as one line of the canonical dump (`hollow dump`).\n"
        o += "    public var description: String {\n"
        o += "        \"{\\\"ordinal\\\":\\(ordinal),\\\"elements\\\":[\" + elementOrdinals.sorted().map(String.init).joined(separator: \",\") + \"]}\"\n    }\n}\n"
        return o
    }

    private func mapFile(_ s: HollowMapSchema, _ byName: [String: HollowSchema], _ n: Naming) throws(HollowCodeGenError) -> String {
        let t = n.type(s.name)
        let k = n.type(s.keyType)
        let v = n.type(s.valueType)
        let m = n.member(s.name)
        var o = header()
        o += "/// A record of MAP type \(s.name): \(k) → \(v) views in hash-bucket order\(s.hashKey.map { ", hashed by \($0.joined(separator: ", "))" } ?? "").\n"
        o += "public struct \(t): HollowGeneratedRecord, Sequence, Hashable {\n"
        o += commonHead(t, n)
        o += "    /// The number of entries.\n    public var count: Int { api.\(m)Type?.size(ordinal) ?? 0 }\n"
        o += "    /// The entries' (key, value) ordinals, in bucket order.\n"
        o += "    public var entryOrdinals: [(key: Int, value: Int)] { api.\(m)Type?.entries(ordinal) ?? [] }\n"
        o += "    public func makeIterator() -> [(key: \(k), value: \(v))].Iterator {\n"
        o += "        entryOrdinals.map { (key: \(k)(api: api, ordinal: $0.key), value: \(v)(api: api, ordinal: $0.value)) }.makeIterator()\n    }\n"
        o += "    /// The value for `key` (Java `get`), or nil.\n"
        o += "    public subscript(key: \(k)) -> \(v)? { api.\(m)Type?.get(ordinal, key: key.ordinal).map { \(v)(api: api, ordinal: $0) } }\n"
        if let key = s.hashKey {
            let params = try keyParams(root: s.keyType, key, byName, n)
            let sig = params.map { "\($0.label): \($0.type)" }.joined(separator: ", ")
            let arr = "[\(params.map { $0.hollowValue }.joined(separator: ", "))]"
            o += "    /// The entry whose key's hash key (\(key.joined(separator: ", "))) equals the arguments (Java `findEntry`), or nil.\n"
            o += "    public func findEntry(\(sig)) -> (key: \(k), value: \(v))? {\n"
            o += "        api.\(m)Type?.findEntry(ordinal, key: \(arr)).map { (key: \(k)(api: api, ordinal: $0.key), value: \(v)(api: api, ordinal: $0.value)) }\n    }\n"
            o += "    /// The value whose key's hash key equals the arguments (Java `findValue`), or nil.\n"
            o += "    public func findValue(\(sig)) -> \(v)? {\n"
            o += "        api.\(m)Type?.findValue(ordinal, key: \(arr)).map { \(v)(api: api, ordinal: $0) }\n    }\n"
            o += "    /// The key whose hash key equals the arguments (Java `findKey`), or nil.\n"
            o += "    public func findKey(\(sig)) -> \(k)? {\n"
            o += "        api.\(m)Type?.findKey(ordinal, key: \(arr)).map { \(k)(api: api, ordinal: $0) }\n    }\n"
        }
        o += commonTail(t)
        o += "    /// The record as one line of the canonical dump (`hollow dump`).\n"
        o += "    public var description: String {\n"
        o += "        let e = entryOrdinals.sorted { $0.key != $1.key ? $0.key < $1.key : $0.value < $1.value }\n"
        o += "        return \"{\\\"ordinal\\\":\\(ordinal),\\\"entries\\\":[\" + e.map { \"[\\($0.key),\\($0.value)]\" }.joined(separator: \",\") + \"]}\"\n    }\n}\n"
        return o
    }

    private func commonHead(_ t: String, _ n: Naming) -> String {
        var o = "    /// The API the view reads through.\n    public let api: \(n.api)\n"
        o += "    /// The record's ordinal.\n    public let ordinal: Int\n\n"
        o += "    /// The view of record `ordinal`.\n"
        o += "    @inlinable public init(api: \(n.api), ordinal: Int) {\n        self.api = api\n        self.ordinal = ordinal\n    }\n\n"
        return o
    }

    private func commonTail(_ t: String) -> String {
        var o = "\n    /// True if both views show the same record of the same state.\n"
        o += "    public static func == (a: \(t), b: \(t)) -> Bool { a.api === b.api && a.ordinal == b.ordinal }\n"
        o += "    public func hash(into hasher: inout Hasher) {\n        hasher.combine(ObjectIdentifier(api))\n        hasher.combine(ordinal)\n    }\n\n"
        return o
    }

    // MARK: Primary keys

    private func primaryKeyFile(
        _ s: HollowObjectSchema, _ key: [String], _ byName: [String: HollowSchema], _ n: Naming
    ) throws(HollowCodeGenError) -> String {
        let t = n.type(s.name)
        let params = try keyParams(root: s.name, key, byName, n)
        var o = header()
        o += "/// Finds \(t) records by their primary key (\(key.joined(separator: ", "))), with typed key parameters (Java: the\n"
        o += "/// generated `\(t)PrimaryKeyIndex`).\n"
        o += "///\n/// Built over one API's state. Move it to a newer state with ``updated(to:)-(ReadState)`` after a delta, with\n"
        o += "/// work proportional to the change, or let a consumer do it: register ``following()`` with its\n"
        o += "/// `addTransitionListener` (Java: `listenToDataRefresh`) and read `current`.\n"
        o += "public final class \(t)PrimaryKeyIndex: HollowDeltaUpdatableIndex {\n"
        o += indexCommon("\(t)PrimaryKeyIndex", "HollowUniqueKeyIndex", n)
        o += "    /// Indexes \(s.name) of `api`'s state by its primary key.\n"
        o += "    /// - Throws: `HollowIndexError` when the state lacks the type or a key path.\n"
        o += "    public convenience init(api: \(n.api)) throws(HollowIndexError) {\n"
        o += "        self.init(api: api, index: try HollowUniqueKeyIndex(state: api.state, type: \(lit(s.name)), fieldPaths: [\(key.map(lit).joined(separator: ", "))]))\n    }\n\n"
        o += "    /// An index that a consumer keeps current: register it with `addTransitionListener`, then read `current`.\n"
        o += "    public static func following() -> FollowingIndex<\(t)PrimaryKeyIndex> {\n"
        o += "        FollowingIndex { state throws(HollowIndexError) in try \(t)PrimaryKeyIndex(api: \(n.api)(state)) }\n    }\n\n"
        o += "    /// The record whose key equals the arguments (Java `findMatch`), or nil.\n"
        o += "    public func findMatch(\(params.map { "\($0.label): \($0.type)" }.joined(separator: ", "))) -> \(t)? {\n"
        o += "        var h = HollowKeyHash.initial\n"
        for p in params { o += "        h = HollowKeyHash.combine(h, \(p.hashExpr))\n" }
        o += "        let api = self.api\n"
        o += "        return index.matchingOrdinal(hash: h) { o in\n"
        for (i, p) in params.enumerated() {
            o += "            // \(key[i])\n"
            var cur = "o"
            for (j, step) in p.steps.enumerated() {
                let ta = "api.\(n.member(step.type))Type"
                let fi = "\(ta).\(n.fieldIndexName(step.field))"
                if j < p.steps.count - 1 {
                    let next = "r\(i)_\(j)"
                    o += "            guard let \(next) = \(ta).access.readOrdinal(\(cur), \(fi)) else { return false }\n"
                    cur = next
                } else {
                    let cond: String
                    switch p.finalType {
                    case .string: cond = "\(ta).access.stringEquals(\(cur), \(fi), \(p.label))"
                    case .float, .double: cond = "\(ta).access.\(p.finalType.readMethod)(\(cur), \(fi))?.bitPattern == \(p.label).bitPattern"
                    default: cond = "\(ta).access.\(p.finalType.readMethod)(\(cur), \(fi)) == \(p.label)"
                    }
                    o += "            guard \(cond) else { return false }\n"
                }
            }
        }
        o += "            return true\n        }.map { \(t)(api: api, ordinal: $0) }\n    }\n}\n"
        return o
    }

    /// The members every generated index shares: the API, the untyped index, the delta updates.
    private func indexCommon(_ cls: String, _ untyped: String, _ n: Naming) -> String {
        var o = "    /// The API whose state is indexed; views the index returns read through it.\n    public let api: \(n.api)\n"
        o += "    /// The untyped index underneath.\n    public let index: \(untyped)\n\n"
        o += "    /// Wraps `index`, an index of `api`'s state.\n"
        o += "    public init(api: \(n.api), index: \(untyped)) {\n"
        o += "        precondition(index.state === api.state, \"the index and the API read different states\")\n"
        o += "        self.api = api\n        self.index = index\n    }\n\n"
        o += "    /// The state the index answers for.\n    public var state: ReadState { api.state }\n"
        o += "    /// True when the index was built from scratch, false when updated from a delta.\n"
        o += "    public var wasRebuilt: Bool { index.wasRebuilt }\n\n"
        o += "    /// The index of `newAPI`'s state, reached from this one's by one delta or reverse delta: updated with work\n"
        o += "    /// proportional to the change where the untyped index can, rebuilt otherwise.\n"
        o += "    /// - Throws: `HollowIndexError` when a rebuild fails (the type or a key path is gone).\n"
        o += "    public func updated(to newAPI: \(n.api)) throws(HollowIndexError) -> \(cls) {\n"
        o += "        newAPI.state === api.state ? self : \(cls)(api: newAPI, index: try index.updated(to: newAPI.state))\n    }\n\n"
        o += "    /// The index of `newState` (see ``updated(to:)-(\(n.api))``), with a new API over `newState`.\n"
        o += "    public func updated(to newState: ReadState) throws(HollowIndexError) -> \(cls) {\n"
        o += "        newState === api.state ? self : try updated(to: \(n.api)(newState))\n    }\n\n"
        return o
    }

    // MARK: Unique-key and hash indexes with untyped keys

    private func uniqueKeyFile(_ s: HollowObjectSchema, _ n: Naming) -> String {
        let t = n.type(s.name)
        var o = header()
        o += "/// Finds \(t) records by a unique key of any field paths, given as `HollowValue`s (Java: the generated\n"
        o += "/// `\(t)UniqueKeyIndex`). For the declared primary key with typed parameters, use `\(t)PrimaryKeyIndex`.\n"
        o += "public final class \(t)UniqueKeyIndex: HollowDeltaUpdatableIndex {\n"
        o += indexCommon("\(t)UniqueKeyIndex", "HollowUniqueKeyIndex", n)
        o += "    /// Indexes \(s.name) of `api`'s state by `fieldPaths` (nil: the declared primary key).\n"
        o += "    /// - Throws: `HollowIndexError` when the state lacks the type or a path does not resolve.\n"
        o += "    public convenience init(api: \(n.api), fieldPaths: [String]? = nil) throws(HollowIndexError) {\n"
        o += "        self.init(api: api, index: try HollowUniqueKeyIndex(state: api.state, type: \(lit(s.name)), fieldPaths: fieldPaths))\n    }\n\n"
        o += "    /// An index that a consumer keeps current: register it with `addTransitionListener`, then read `current`.\n"
        o += "    public static func following(fieldPaths: [String]? = nil) -> FollowingIndex<\(t)UniqueKeyIndex> {\n"
        o += "        FollowingIndex { state throws(HollowIndexError) in try \(t)UniqueKeyIndex(api: \(n.api)(state), fieldPaths: fieldPaths) }\n    }\n\n"
        o += "    /// The record whose key fields equal `keys`, one per field path (Java `findMatch(Object...)`), or nil.\n"
        o += "    public func findMatch(_ keys: HollowValue...) -> \(t)? { findMatch(keys) }\n"
        o += "    /// The record whose key fields equal `keys`, one per field path, or nil.\n"
        o += "    public func findMatch(_ keys: [HollowValue]) -> \(t)? {\n"
        o += "        index.matchingOrdinal(keys).map { \(t)(api: api, ordinal: $0) }\n    }\n}\n"
        return o
    }

    private func hashIndexFile(_ n: Naming) -> String {
        let cls = "\(n.api)HashIndex"
        var o = header()
        o += "/// Finds the records selected by `selectFieldPath` from `queryType`'s records whose match fields equal a\n"
        o += "/// query, as typed views (Java: the generated `\(cls)`). Call the `find<Type>Matches` of the selected type\n"
        o += "/// (``selectedType``); the others return no records.\n"
        o += "///\n/// Follows deltas like the other generated indexes: an index selecting the root records (`selectFieldPath`\n"
        o += "/// empty) is updated with work proportional to the change, whatever its match paths; others are rebuilt.\n"
        o += "public final class \(cls): HollowDeltaUpdatableIndex {\n"
        o += indexCommon(cls, "HollowHashIndex", n)
        o += "    /// Indexes `queryType` of `api`'s state, selecting `selectFieldPath` (empty: the `queryType` records\n"
        o += "    /// themselves) by `matchFieldPaths`, e.g. `\"studio.studioId\"` or `\"cast.element.name\"`.\n"
        o += "    /// - Throws: `HollowIndexError` for an unknown type or a path that does not resolve.\n"
        o += "    public convenience init(\n        api: \(n.api), queryType: String, selectFieldPath: String, matchFieldPaths: String...\n"
        o += "    ) throws(HollowIndexError) {\n"
        o += "        self.init(api: api, index: try HollowHashIndex(state: api.state, type: queryType, selectField: selectFieldPath, matchFields: matchFieldPaths))\n    }\n\n"
        o += "    /// An index that a consumer keeps current: register it with `addTransitionListener`, then read `current`.\n"
        o += "    public static func following(queryType: String, selectFieldPath: String, matchFieldPaths: String...) -> FollowingIndex<\(cls)> {\n"
        o += "        FollowingIndex { state throws(HollowIndexError) in\n"
        o += "            \(cls)(api: \(n.api)(state), index: try HollowHashIndex(state: state, type: queryType, selectField: selectFieldPath, matchFields: matchFieldPaths))\n"
        o += "        }\n    }\n\n"
        o += "    /// The type of the records the index selects.\n    public var selectedType: String { index.selectedType }\n\n"
        o += "    /// The selected ordinals matching `keys` (one value per match path), nil when none or `type` is not selected.\n"
        o += "    private func matches(_ type: String, _ keys: [HollowValue]) -> HollowHashIndexResult? {\n"
        o += "        type == index.selectedType ? index.findMatches(keys) : nil\n    }\n"
        for s in schemas {
            let t = n.type(s.name)
            let f = "find" + Naming.identifier(Naming.upperFirst(s.name)) + "Matches"
            o += "\n    /// The \(s.name) records matching `keys`, one value per match path, ascending by ordinal (Java `\(f)`): views\n"
            o += "    /// over the index's result, no copy; empty when none match or the index selects another type.\n"
            o += "    public func \(f)(_ keys: HollowValue...) -> HollowHashIndexRecords<\(t)> { \(f)(keys) }\n"
            o += "    /// The \(s.name) records matching `keys` (see the variadic form).\n"
            o += "    public func \(f)(_ keys: [HollowValue]) -> HollowHashIndexRecords<\(t)> {\n"
            o += "        HollowHashIndexRecords(api: api, result: matches(\(lit(s.name)), keys))\n    }\n"
        }
        o += "}\n"
        return o
    }

    struct KeyParam {
        var label: String
        var type: String
        var finalType: HollowFieldType
        var steps: [(type: String, field: String)]
        var hollowValue: String {
            switch finalType {
            case .int: ".int(\(label))"
            case .long: ".long(\(label))"
            case .float: ".float(\(label))"
            case .double: ".double(\(label))"
            case .boolean: ".boolean(\(label))"
            case .string: ".string(\(label))"
            case .bytes: ".bytes(\(label))"
            case .reference: ".reference(\(label))"
            }
        }
        var hashExpr: String {
            finalType == .reference
                ? "HollowKeyHash.field(Int32(truncatingIfNeeded: \(label)))" : "HollowKeyHash.field(\(label))"
        }
    }

    /// Resolves key paths as Java's `FieldPaths` does for primary and hash keys (auto-extending a path that
    /// ends on a reference into a single-field type or a single-field primary key).
    func keyParams(
        root: String, _ paths: [String], _ byName: [String: HollowSchema], _ n: Naming
    ) throws(HollowCodeGenError) -> [KeyParam] {
        var out: [KeyParam] = []
        var labels = Set<String>()
        for path in paths {
            guard let (steps, final) = resolve(root, path, byName, depth: 0) else {
                throw HollowCodeGenError("key path \(path) does not resolve from type \(root)")
            }
            var label = n.keyLabel(path)
            while !labels.insert(label).inserted { label += "_" }
            out.append(KeyParam(label: label, type: final.swiftType, finalType: final, steps: steps))
        }
        return out
    }

    private func resolve(
        _ type: String, _ path: String, _ byName: [String: HollowSchema], depth: Int
    ) -> ([(type: String, field: String)], HollowFieldType)? {
        guard depth < 8 else { return nil }
        var p = path
        var expand = true
        if p.hasSuffix("!") {
            p.removeLast()
            expand = false
        }
        var steps: [(type: String, field: String)] = []
        var current = type
        var final = HollowFieldType.reference
        let parts = p.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (i, part) in parts.enumerated() {
            guard case .object(let s)? = byName[current], let f = s.fields.first(where: { $0.name == part }) else { return nil }
            steps.append((current, f.name))
            final = f.type
            if f.type == .reference {
                current = f.referencedType ?? ""
            } else if i != parts.count - 1 {
                return nil
            }
        }
        var guardCount = 0
        while expand && final == .reference && guardCount < 16 {
            guardCount += 1
            guard case .object(let s)? = byName[current] else { break }
            if s.fields.count == 1 {
                steps.append((current, s.fields[0].name))
                final = s.fields[0].type
                current = s.fields[0].referencedType ?? ""
            } else if let key = s.primaryKey, key.count == 1, let sub = resolve(current, key[0], byName, depth: depth + 1) {
                steps += sub.0
                final = sub.1
                break
            } else {
                break
            }
        }
        return (steps, final)
    }

    private func header() -> String {
        "// Generated by `hollow generate` (HollowCodeGen) from Hollow schemas. Do not edit.\n\npublic import HollowCore\n\n"
    }
}

/// A Swift string literal of `s`.
func lit(_ s: String) -> String {
    var o = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        case "\r": o += "\\r"
        case "\t": o += "\\t"
        default:
            if c.value < 0x20 { o += "\\u{\(String(c.value, radix: 16))}" } else { o.unicodeScalars.append(c) }
        }
    }
    return o + "\""
}

/// The canonical dump's JSON string of a field name (names are plain identifiers in practice).
func jsonString(_ s: String) -> String {
    var o = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        default: o.unicodeScalars.append(c)
        }
    }
    return o + "\""
}

extension HollowFieldType {
    var swiftType: String {
        switch self {
        case .int: "Int32"
        case .long: "Int64"
        case .float: "Float"
        case .double: "Double"
        case .boolean: "Bool"
        case .string: "String"
        case .bytes: "[UInt8]"
        case .reference: "Int"
        }
    }
    var readMethod: String {
        switch self {
        case .int: "readInt"
        case .long: "readLong"
        case .float: "readFloat"
        case .double: "readDouble"
        case .boolean: "readBoolean"
        case .string: "readString"
        case .bytes: "readBytes"
        case .reference: "readOrdinal"
        }
    }
    var swiftCase: String {
        switch self {
        case .int: "int"
        case .long: "long"
        case .float: "float"
        case .double: "double"
        case .boolean: "boolean"
        case .string: "string"
        case .bytes: "bytes"
        case .reference: "reference"
        }
    }
}
