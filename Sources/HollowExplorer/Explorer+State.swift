import HollowCore
import Hummingbird

extension Explorer {
    /// The state a request asks for (`?version=`), with the inventory it was resolved against.
    func requestedState(_ request: Request) async throws -> (LoadedState, explicit: Bool) {
        let inv = try await inventory()
        let v = try await resolveVersion(request.query("version"), inv)
        return (try await state(v, inv), request.query("version") != nil)
    }

    func requireType(_ s: LoadedState, _ parameters: Parameters) throws -> (String, HollowSchema) {
        let type = parameters.decoded("type") ?? ""
        guard let schema = s.schema(type) else {
            throw HTTPError(.notFound, message: "unknown type '\(type)' in version \(s.version)")
        }
        return (type, schema)
    }

    static func intParameter(_ request: Request, _ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        do {
            return try request.queryParameters.integer(name, default: d, range: range)
        } catch {
            throw HTTPError(.badRequest, message: error.message)
        }
    }

    static func schemaJSON(_ schema: HollowSchema) -> JSONValue {
        switch schema {
        case .object(let s):
            return [
                "kind": "OBJECT", "primaryKey": .from(s.primaryKey),
                "fields": .array(s.fields.map { f in
                    var m: [(key: String, value: JSONValue)] = [("name", .string(f.name)), ("type", .string(f.type.rawValue))]
                    if let r = f.referencedType { m.append(("referencedType", .string(r))) }
                    return .object(m)
                }),
            ]
        case .list(let s): return ["kind": "LIST", "elementType": .string(s.elementType)]
        case .set(let s): return ["kind": "SET", "elementType": .string(s.elementType), "hashKey": .from(s.hashKey)]
        case .map(let s):
            return ["kind": "MAP", "keyType": .string(s.keyType), "valueType": .string(s.valueType), "hashKey": .from(s.hashKey)]
        }
    }

    static func vq(_ s: LoadedState, _ explicit: Bool) -> String {
        explicit ? Format.query([("version", String(s.version))]) : ""
    }

    static func typeHref(_ type: String, _ suffix: String = "", _ s: LoadedState, _ explicit: Bool) -> String {
        "/types/\(FormData.encode(type))\(suffix)" + vq(s, explicit)
    }

    // MARK: Status and overview

    func status(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let versions = await loadableVersions(inv)
        let current = try? await currentVersion(inv)
        let announced = try? await configuration.store.announcedVersion()
        let json: JSONValue = [
            "store": .string(configuration.store.location), "namespace": .string(configuration.namespace),
            "currentVersion": .from(current), "storeAnnouncedVersion": .from(announced ?? nil),
            "versions": .array(versions.map { .int($0) }),
            "broker": .bool(configuration.operations != nil), "operator": .bool(configuration.operatorCredentials != nil),
        ]
        return Page(title: "status", json: json, template: "status", view: StatusView(json: json.serialized()))
    }

    func overviewPage(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let v = try await resolveVersion(request.query("version"), inv)
        let s = try await state(v, inv)
        let explicit = request.query("version") != nil
        var types: [JSONValue] = []
        var rows: [[[Part]]] = []
        var total = 0
        for name in s.view.typeNames {
            guard let schema = s.schema(name) else { continue }
            let count = s.populated(name).count
            let footprint = s.view.footprint(of: name)
            total += footprint ?? 0
            var m: [(key: String, value: JSONValue)] = [
                ("name", .string(name)), ("kind", .string(schema.kind.rawValue)), ("records", .from(count)),
                ("maxOrdinal", .from(s.view.maxOrdinal(of: name))), ("footprintBytes", footprint.map { .from($0) } ?? .null),
            ]
            if case .object(let o) = schema { m.append(("primaryKey", .from(o.primaryKey))) }
            types.append(.object(m))
            var pk: [Part] = []
            if case .object(let o) = schema, let k = o.primaryKey { pk = [.code(k.joined(separator: ", "))] }
            rows.append([
                [.link(Self.typeHref(name, "", s, explicit), name)], [.text(schema.kind.rawValue)],
                [.span("num", String(count))], [.text(Format.bytes(footprint))], pk,
                [.link(Self.typeHref(name, "/records", s, explicit), "records")],
            ])
        }
        let tags = s.view.headerTags.sorted { $0.key < $1.key }
        let json: JSONValue = [
            "store": .string(configuration.store.location), "version": .int(s.version),
            "headerTags": .object(tags.map { ($0.key, .string($0.value)) }),
            "footprintBytes": .from(total), "types": .array(types),
        ]
        let view = OverviewView(
            version: s.version, picker: VersionPickerView("/", current: s.version, versions: await loadableVersions(inv)),
            store: configuration.store.location, namespace: configuration.namespace, typeCount: types.count,
            memory: Format.bytes(total), jsonHref: "/api" + Self.vq(s, explicit),
            types: TableView(["type", "kind", "records", "memory", "primary key", ""], rows, id: "types"),
            tags: TableView(["tag", "value"], tags.map { [[.code($0.key)], [.text($0.value)]] }))
        return Page(title: "State \(s.version)", json: json, template: "overview", view: view,
                    followsVersion: explicit ? nil : s.version, refreshSeconds: configuration.refreshSeconds)
    }

    // MARK: One type

    func typePage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        let count = s.populated(type).count
        let json: JSONValue = [
            "name": .string(type), "version": .int(s.version), "schema": Self.schemaJSON(schema), "records": .from(count),
            "maxOrdinal": .from(s.view.maxOrdinal(of: type)), "footprintBytes": s.view.footprint(of: type).map { .from($0) } ?? .null,
        ]
        var view = TypeView(
            type: type, kind: schema.kind.rawValue, version: s.version, count: count, maxOrdinal: s.view.maxOrdinal(of: type),
            memory: Format.bytes(s.view.footprint(of: type)), recordsHref: Self.typeHref(type, "/records", s, explicit),
            jsonHref: "/api" + Self.typeHref(type, "", s, explicit), find: Self.lookupForms(type, schema, s, explicit))
        func typeLink(_ t: String) -> Part { .link(Self.typeHref(t, "", s, explicit), t) }
        switch schema {
        case .object(let o):
            view.object = TypeView.Object(
                primaryKey: o.primaryKey.map { $0.joined(separator: ", ") },
                fields: TableView(["field", "type", "references"], o.fields.map { f in
                    [[.code(f.name)], [.text(f.type.rawValue)], f.referencedType.map { [typeLink($0)] } ?? []]
                }, id: "schema"))
        case .list(let l):
            view.collection = .init(heading: "LIST of", types: [typeLink(l.elementType)], hasHashKey: false)
        case .set(let st):
            view.collection = .init(
                heading: "SET of", types: [typeLink(st.elementType)], hasHashKey: true,
                hashKey: st.hashKey.map { $0.joined(separator: ", ") })
        case .map(let m):
            view.collection = .init(
                heading: "MAP", types: [typeLink(m.keyType), .text(" → "), typeLink(m.valueType)], hasHashKey: true,
                hashKey: m.hashKey.map { $0.joined(separator: ", ") })
        }
        return Page(title: type, json: json, template: "type", view: view)
    }

    static func lookupForms(_ type: String, _ schema: HollowSchema, _ s: LoadedState, _ explicit: Bool) -> LookupFormsView? {
        guard case .object(let o) = schema else { return nil }
        return LookupFormsView(
            typePath: FormData.encode(type), version: explicit ? s.version : nil, hasKey: o.primaryKey != nil,
            keyFields: o.primaryKey ?? [], fields: o.fields.map(\.name))
    }

    // MARK: Records, paged

    func recordsPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        let ordinals = s.populated(type)
        let limit = try Self.intParameter(request, "limit", default: 50, range: 1...1000)
        let offset = try Self.intParameter(request, "offset", default: 0, range: 0...Int(Int32.max))
        guard offset <= ordinals.count else {
            throw HTTPError(.badRequest, message: "offset \(offset) is past the \(ordinals.count) records of \(type)")
        }
        let page = ordinals[offset..<min(ordinals.count, offset + limit)]
        var budget = Int.max
        let records = page.map { RecordRendering.record(s, type, $0, depth: 0, budget: &budget) }
        let json: JSONValue = [
            "type": .string(type), "version": .int(s.version), "total": .from(ordinals.count), "offset": .from(offset),
            "limit": .from(limit), "records": .array(records),
        ]
        func pageLink(_ o: Int, _ text: String) -> Part {
            .link("/types/\(FormData.encode(type))/records" + Format.query([
                ("version", explicit ? String(s.version) : nil), ("offset", String(o)), ("limit", String(limit)),
            ]), text)
        }
        var nav: [Part] = []
        if offset > 0 { nav.append(pageLink(0, "« first")); nav.append(pageLink(max(0, offset - limit), "‹ previous")) }
        if offset + limit < ordinals.count {
            nav.append(pageLink(offset + limit, "next ›"))
            nav.append(pageLink(max(0, (ordinals.count - 1) / limit * limit), "last »"))
        }
        let view = RecordsView(
            type: type, typeHref: Self.typeHref(type, "", s, explicit), version: s.version,
            first: page.isEmpty ? 0 : offset + 1, last: offset + page.count, total: ordinals.count,
            nav: Self.joined(nav, " · "), jsonHref: "/api" + request.uri.description,
            records: Self.recordsTable(records, schema: schema, s: s, explicit: explicit))
        return Page(title: "\(type) records", json: json, template: "records", view: view)
    }

    /// `parts` with `separator` text between them.
    static func joined(_ parts: [Part], _ separator: String) -> [Part] {
        var out: [Part] = []
        for (i, p) in parts.enumerated() {
            if i > 0 { out.append(.text(separator)) }
            out.append(p)
        }
        return out
    }

    static func recordsTable(_ records: [JSONValue], schema: HollowSchema, s: LoadedState, explicit: Bool) -> TableView {
        let version: Int64? = explicit ? s.version : nil
        func ordinalCell(_ r: JSONValue) -> [Part] {
            let type = r["type"]?.string ?? ""
            let o = r["ordinal"]?.int64 ?? 0
            return [.link("/types/\(FormData.encode(type))/records/\(o)" + Format.query([("version", version.map { String($0) })]), "#\(o)")]
        }
        switch schema {
        case .object(let o):
            let rows = records.map { r -> [[Part]] in
                [ordinalCell(r)] + (r["fields"]?.array ?? []).map { f in [RecordRendering.valuePart(f["value"] ?? .null, version: version)] }
            }
            return TableView(["ordinal"] + o.fields.map(\.name), rows, id: "records")
        default:
            let rows = records.map { r -> [[Part]] in
                let size = r["size"]?.int64 ?? 0
                let items = (r["elements"]?.array ?? []).prefix(8).map { [Part.ref(RecordRendering.refView($0, version: version))] }
                let entries = (r["entries"]?.array ?? []).prefix(8).map {
                    [Part.ref(RecordRendering.refView($0["key"] ?? .null, version: version)), .text(" → "),
                     .ref(RecordRendering.refView($0["value"] ?? .null, version: version))]
                }
                var contents: [Part] = []
                for (i, item) in (items + entries).enumerated() { contents += (i > 0 ? [.text("; ")] : []) + item }
                if size > 8 { contents.append(.text(" …")) }
                return [ordinalCell(r), [.text(String(size))], contents]
            }
            return TableView(["ordinal", "size", "contents"], rows, id: "records")
        }
    }

    // MARK: One record

    func recordPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, _) = try requireType(s, parameters)
        let text = parameters.decoded("ordinal") ?? ""
        guard let ordinal = Int(text) else { throw HTTPError(.badRequest, message: "bad ordinal '\(text)': expected an integer") }
        let maxOrdinal = s.view.maxOrdinal(of: type)
        guard ordinal >= 0, ordinal <= maxOrdinal else {
            throw HTTPError(.notFound, message: "ordinal \(ordinal) is out of range for \(type) (0...\(maxOrdinal)) in version \(s.version)")
        }
        guard s.record(type, ordinal) != nil else {
            throw HTTPError(.notFound, message: "ordinal \(ordinal) of \(type) is not populated in version \(s.version)")
        }
        let depth = try Self.intParameter(request, "depth", default: 2, range: 0...8)
        return recordResult(s, type, ordinal, depth: depth, explicit: explicit, title: "\(type) #\(ordinal)")
    }

    func recordResult(_ s: LoadedState, _ type: String, _ ordinal: Int, depth: Int, explicit: Bool, title: String) -> Page {
        var budget = 2000
        let json = RecordRendering.record(s, type, ordinal, depth: depth, budget: &budget)
        var historyHref: String?
        if let key = s.keyText(type, ordinal) {
            let keys = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map { ("key", Optional(String($0))) }
            historyHref = "/types/\(FormData.encode(type))/history" + Format.query(keys)
        }
        let view = RecordPageView(
            type: type, typeHref: Self.typeHref(type, "", s, explicit), ordinal: ordinal, version: s.version,
            historyHref: historyHref, jsonHref: "/api/types/\(FormData.encode(type))/records/\(ordinal)" + Self.vq(s, explicit),
            record: RecordRendering.recordView(json, version: explicit ? s.version : nil))
        return Page(title: title, json: json, template: "recordPage", view: view)
    }

    // MARK: Primary key lookup

    func keyPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        guard case .object(let o) = schema, let pk = o.primaryKey else {
            throw HTTPError(.badRequest, message: "type \(type) has no primary key; use /types/\(type)/search")
        }
        let values = request.queryAll("key")
        guard values.count == pk.count else {
            throw HTTPError(.badRequest, message: "the primary key of \(type) has \(pk.count) field(s) (\(pk.joined(separator: ", "))): give key= \(pk.count) time(s)")
        }
        guard let ordinal = s.keyIndex(type)[values.joined(separator: "\u{1F}")] else {
            throw HTTPError(.notFound, message: "no \(type) with key \(values.joined(separator: ", ")) in version \(s.version)")
        }
        let depth = try Self.intParameter(request, "depth", default: 2, range: 0...8)
        return recordResult(s, type, ordinal, depth: depth, explicit: explicit, title: "\(type) \(values.joined(separator: ", "))")
    }

    // MARK: Search by field value

    func searchPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        guard case .object(let o) = schema else {
            throw HTTPError(.badRequest, message: "search works on OBJECT types; \(type) is a \(schema.kind.rawValue)")
        }
        guard let field = request.query("field"), !field.isEmpty else {
            throw HTTPError(.badRequest, message: "give field= (one of \(o.fields.map(\.name).joined(separator: ", ")), or a path like a.b)")
        }
        let path = field.split(separator: ".")
        guard let first = path.first, o.fieldIndex(String(first)) != nil else {
            throw HTTPError(.badRequest, message: "type \(type) has no field '\(field)'")
        }
        let value = request.query("value") ?? ""
        let match = request.query("match") ?? "exact"
        let test: (String) -> Bool
        switch match {
        case "exact": test = { $0 == value }
        case "contains": test = { $0.contains(value) }
        case "prefix": test = { $0.hasPrefix(value) }
        default: throw HTTPError(.badRequest, message: "bad match '\(match)': expected exact, contains or prefix")
        }
        let limit = try Self.intParameter(request, "limit", default: 50, range: 1...1000)
        var matches: [Int] = []
        var total = 0
        for ordinal in s.populated(type) {
            guard let v = s.value(type, ordinal, path: path), test(v.text) else { continue }
            total += 1
            if matches.count < limit { matches.append(ordinal) }
        }
        var budget = Int.max
        let records = matches.map { RecordRendering.record(s, type, $0, depth: 0, budget: &budget) }
        let json: JSONValue = [
            "type": .string(type), "version": .int(s.version), "field": .string(field), "value": .string(value),
            "match": .string(match), "total": .from(total), "records": .array(records),
        ]
        let view = SearchView(
            type: type, typeHref: Self.typeHref(type, "", s, explicit), field: field, match: match, value: value,
            version: s.version, total: total, shown: total > matches.count ? matches.count : nil,
            jsonHref: "/api" + request.uri.description,
            records: Self.recordsTable(records, schema: schema, s: s, explicit: explicit),
            find: Self.lookupForms(type, schema, s, explicit))
        return Page(title: "search \(type)", json: json, template: "search", view: view)
    }
}
