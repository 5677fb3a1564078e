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
        let type = parameters.get("type") ?? ""
        guard let schema = s.schema(type) else {
            throw ExplorerError(.notFound, "unknown type '\(type)' in version \(s.version)")
        }
        return (type, schema)
    }

    static func intParameter(_ request: Request, _ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.query(name), !text.isEmpty else { return d }
        guard let v = Int(text), range.contains(v) else {
            throw ExplorerError(.badRequest, "bad \(name) '\(text)': expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
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
        explicit ? Layout.query([("version", String(s.version))]) : ""
    }

    static func typeHref(_ type: String, _ suffix: String = "", _ s: LoadedState, _ explicit: Bool) -> String {
        "/types/\(FormData.encode(type))\(suffix)" + vq(s, explicit)
    }

    static func versionPicker(_ path: String, current: Int64, versions: [Int64], extra: [(String, String)] = []) -> String {
        var out = "<form class=\"inline\" method=\"get\" action=\"\(Layout.esc(path))\">version "
        for (k, v) in extra { out += "<input type=\"hidden\" name=\"\(Layout.esc(k))\" value=\"\(Layout.esc(v))\">" }
        out += "<select name=\"version\" onchange=\"this.form.submit()\">"
        for v in versions.reversed() {
            out += "<option value=\"\(v)\"\(v == current ? " selected" : "")>\(v)</option>"
        }
        return out + "</select><noscript><button>show</button></noscript></form>"
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
        return Page(title: "status", json: json, body: "<pre>\(Layout.esc(json.serialized()))</pre>")
    }

    func overviewPage(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let v = try await resolveVersion(request.query("version"), inv)
        let s = try await state(v, inv)
        let explicit = request.query("version") != nil
        var types: [JSONValue] = []
        var rows: [[String]] = []
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
            var pk = ""
            if case .object(let o) = schema, let k = o.primaryKey { pk = "<code>" + Layout.esc(k.joined(separator: ", ")) + "</code>" }
            rows.append([
                Layout.link(Self.typeHref(name, "", s, explicit), name), schema.kind.rawValue,
                "<span class=\"num\">\(count)</span>", Layout.bytes(footprint), pk,
                Layout.link(Self.typeHref(name, "/records", s, explicit), "records"),
            ])
        }
        let tags = s.view.headerTags.sorted { $0.key < $1.key }
        let json: JSONValue = [
            "store": .string(configuration.store.location), "version": .int(s.version),
            "headerTags": .object(tags.map { ($0.key, .string($0.value)) }),
            "footprintBytes": .from(total), "types": .array(types),
        ]
        var body = "<h1>State <span class=\"mono\">\(s.version)</span> "
        let pickable = await loadableVersions(inv)
        body += Self.versionPicker("/", current: s.version, versions: pickable) + "</h1>"
        body += "<p>Store <code>\(Layout.esc(configuration.store.location))</code>, namespace <code>\(Layout.esc(configuration.namespace))</code>. "
        body += "\(types.count) types, about \(Layout.bytes(total)) in memory. \(Layout.link("/api" + Self.vq(s, explicit), "JSON"))</p>"
        body += Layout.table(["type", "kind", "records", "memory", "primary key", ""], rows, id: "types")
        body += "<h2>Header tags</h2>" + Layout.table(["tag", "value"], tags.map { ["<code>\(Layout.esc($0.key))</code>", Layout.esc($0.value)] })
        return Page(title: "State \(s.version)", json: json, body: body, followsVersion: explicit ? nil : s.version,
                    refreshSeconds: configuration.refreshSeconds)
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
        var body = "<h1>Type <span class=\"mono\">\(Layout.esc(type))</span> <span class=\"badge\">\(schema.kind.rawValue)</span></h1>"
        body += "<p>Version \(s.version): <b id=\"count\">\(count)</b> records, max ordinal \(s.view.maxOrdinal(of: type)), memory \(Layout.bytes(s.view.footprint(of: type))). "
        body += Layout.link(Self.typeHref(type, "/records", s, explicit), "Browse records") + " · "
        body += Layout.link("/api" + Self.typeHref(type, "", s, explicit), "JSON") + "</p><h2>Schema</h2>"
        switch schema {
        case .object(let o):
            body += "<p>Primary key: " + (o.primaryKey.map { "<code>" + Layout.esc($0.joined(separator: ", ")) + "</code>" } ?? "<span class=\"muted\">none</span>") + "</p>"
            body += Layout.table(["field", "type", "references"], o.fields.map { f in
                ["<code>\(Layout.esc(f.name))</code>", f.type.rawValue, f.referencedType.map { Layout.link(Self.typeHref($0, "", s, explicit), $0) } ?? ""]
            }, id: "schema")
        case .list(let l): body += "<p>LIST of \(Layout.link(Self.typeHref(l.elementType, "", s, explicit), l.elementType))</p>"
        case .set(let st):
            body += "<p>SET of \(Layout.link(Self.typeHref(st.elementType, "", s, explicit), st.elementType)), hash key "
            body += (st.hashKey.map { "<code>" + Layout.esc($0.joined(separator: ", ")) + "</code>" } ?? "none") + "</p>"
        case .map(let m):
            body += "<p>MAP \(Layout.link(Self.typeHref(m.keyType, "", s, explicit), m.keyType)) → \(Layout.link(Self.typeHref(m.valueType, "", s, explicit), m.valueType)), hash key "
            body += (m.hashKey.map { "<code>" + Layout.esc($0.joined(separator: ", ")) + "</code>" } ?? "none") + "</p>"
        }
        body += Self.lookupForms(type, schema, s, explicit)
        return Page(title: type, json: json, body: body)
    }

    static func lookupForms(_ type: String, _ schema: HollowSchema, _ s: LoadedState, _ explicit: Bool) -> String {
        guard case .object(let o) = schema else { return "" }
        var body = "<h2>Find</h2>"
        let hidden = explicit ? "<input type=\"hidden\" name=\"version\" value=\"\(s.version)\">" : ""
        if let key = o.primaryKey {
            body += "<form class=\"inline\" method=\"get\" action=\"/types/\(FormData.encode(type))/key\">\(hidden)By primary key "
            for k in key { body += "<input name=\"key\" placeholder=\"\(Layout.esc(k))\" required>" }
            body += "<button>look up</button></form><br>"
            body += "<form class=\"inline\" method=\"get\" action=\"/types/\(FormData.encode(type))/history\">History of key "
            for k in key { body += "<input name=\"key\" placeholder=\"\(Layout.esc(k))\" required>" }
            body += "<button>history</button></form><br>"
        }
        body += "<form class=\"inline\" method=\"get\" action=\"/types/\(FormData.encode(type))/search\">\(hidden)Field <select name=\"field\">"
        for f in o.fields { body += "<option>\(Layout.esc(f.name))</option>" }
        body += "</select><select name=\"match\"><option>exact</option><option>contains</option><option>prefix</option></select>"
        body += "<input name=\"value\" placeholder=\"value\"><button>search</button></form>"
        return body
    }

    // MARK: Records, paged

    func recordsPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        let ordinals = s.populated(type)
        let limit = try Self.intParameter(request, "limit", default: 50, range: 1...1000)
        let offset = try Self.intParameter(request, "offset", default: 0, range: 0...Int(Int32.max))
        guard offset <= ordinals.count else {
            throw ExplorerError(.badRequest, "offset \(offset) is past the \(ordinals.count) records of \(type)")
        }
        let page = ordinals[offset..<min(ordinals.count, offset + limit)]
        var budget = Int.max
        let records = page.map { RecordRendering.record(s, type, $0, depth: 0, budget: &budget) }
        let json: JSONValue = [
            "type": .string(type), "version": .int(s.version), "total": .from(ordinals.count), "offset": .from(offset),
            "limit": .from(limit), "records": .array(records),
        ]
        var body = "<h1>\(Layout.link(Self.typeHref(type, "", s, explicit), type)) records</h1>"
        body += "<p>Version \(s.version): records <b id=\"range\">\(page.isEmpty ? 0 : offset + 1)–\(offset + page.count)</b> of <b id=\"total\">\(ordinals.count)</b>. "
        func pageLink(_ o: Int, _ text: String) -> String {
            Layout.link("/types/\(FormData.encode(type))/records" + Layout.query([
                ("version", explicit ? String(s.version) : nil), ("offset", String(o)), ("limit", String(limit)),
            ]), text)
        }
        var nav: [String] = []
        if offset > 0 { nav.append(pageLink(0, "« first")); nav.append(pageLink(max(0, offset - limit), "‹ previous")) }
        if offset + limit < ordinals.count {
            nav.append(pageLink(offset + limit, "next ›"))
            nav.append(pageLink(max(0, (ordinals.count - 1) / limit * limit), "last »"))
        }
        body += nav.joined(separator: " · ") + " · " + Layout.link("/api" + request.uri.description, "JSON") + "</p>"
        body += Self.recordsTable(records, schema: schema, s: s, explicit: explicit)
        return Page(title: "\(type) records", json: json, body: body)
    }

    static func recordsTable(_ records: [JSONValue], schema: HollowSchema, s: LoadedState, explicit: Bool) -> String {
        let version: Int64? = explicit ? s.version : nil
        func ordinalCell(_ r: JSONValue) -> String {
            let type = r["type"]?.string ?? ""
            let o = r["ordinal"]?.int64 ?? 0
            return Layout.link("/types/\(FormData.encode(type))/records/\(o)" + Layout.query([("version", version.map { String($0) })]), "#\(o)")
        }
        switch schema {
        case .object(let o):
            let rows = records.map { r -> [String] in
                [ordinalCell(r)] + (r["fields"]?.array ?? []).map { f in
                    let v = f["value"] ?? .null
                    if case .object = v { return RecordRendering.refHTML(v, version: version) }
                    return RecordRendering.valueHTML(v)
                }
            }
            return Layout.table(["ordinal"] + o.fields.map(\.name), rows, id: "records")
        default:
            let rows = records.map { r -> [String] in
                let size = r["size"]?.int64 ?? 0
                let items = (r["elements"]?.array ?? []).prefix(8).map { RecordRendering.refHTML($0, version: version) }
                let entries = (r["entries"]?.array ?? []).prefix(8).map {
                    RecordRendering.refHTML($0["key"] ?? .null, version: version) + " → " + RecordRendering.refHTML($0["value"] ?? .null, version: version)
                }
                return [ordinalCell(r), "\(size)", (items + entries).joined(separator: "; ") + (size > 8 ? " …" : "")]
            }
            return Layout.table(["ordinal", "size", "contents"], rows, id: "records")
        }
    }

    // MARK: One record

    func recordPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, _) = try requireType(s, parameters)
        let text = parameters.get("ordinal") ?? ""
        guard let ordinal = Int(text) else { throw ExplorerError(.badRequest, "bad ordinal '\(text)': expected an integer") }
        let maxOrdinal = s.view.maxOrdinal(of: type)
        guard ordinal >= 0, ordinal <= maxOrdinal else {
            throw ExplorerError(.notFound, "ordinal \(ordinal) is out of range for \(type) (0...\(maxOrdinal)) in version \(s.version)")
        }
        guard s.record(type, ordinal) != nil else {
            throw ExplorerError(.notFound, "ordinal \(ordinal) of \(type) is not populated in version \(s.version)")
        }
        let depth = try Self.intParameter(request, "depth", default: 2, range: 0...8)
        return recordResult(s, type, ordinal, depth: depth, explicit: explicit, title: "\(type) #\(ordinal)")
    }

    func recordResult(_ s: LoadedState, _ type: String, _ ordinal: Int, depth: Int, explicit: Bool, title: String) -> Page {
        var budget = 2000
        let json = RecordRendering.record(s, type, ordinal, depth: depth, budget: &budget)
        var body = "<h1>\(Layout.link(Self.typeHref(type, "", s, explicit), type)) <span class=\"mono\">#\(ordinal)</span></h1>"
        body += "<p>Version \(s.version). "
        if let key = s.keyText(type, ordinal) {
            let keys = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map { ("key", Optional(String($0))) }
            body += Layout.link("/types/\(FormData.encode(type))/history" + Layout.query(keys), "History of this key") + " · "
        }
        body += Layout.link("/api/types/\(FormData.encode(type))/records/\(ordinal)" + Self.vq(s, explicit), "JSON") + "</p>"
        body += "<div id=\"record\">" + RecordRendering.recordHTML(json, version: explicit ? s.version : nil) + "</div>"
        return Page(title: title, json: json, body: body)
    }

    // MARK: Primary key lookup

    func keyPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        guard case .object(let o) = schema, let pk = o.primaryKey else {
            throw ExplorerError(.badRequest, "type \(type) has no primary key; use /types/\(type)/search")
        }
        let values = request.queryAll("key")
        guard values.count == pk.count else {
            throw ExplorerError(.badRequest, "the primary key of \(type) has \(pk.count) field(s) (\(pk.joined(separator: ", "))): give key= \(pk.count) time(s)")
        }
        guard let ordinal = s.keyIndex(type)[values.joined(separator: "\u{1F}")] else {
            throw ExplorerError(.notFound, "no \(type) with key \(values.joined(separator: ", ")) in version \(s.version)")
        }
        let depth = try Self.intParameter(request, "depth", default: 2, range: 0...8)
        return recordResult(s, type, ordinal, depth: depth, explicit: explicit, title: "\(type) \(values.joined(separator: ", "))")
    }

    // MARK: Search by field value

    func searchPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let (s, explicit) = try await requestedState(request)
        let (type, schema) = try requireType(s, parameters)
        guard case .object(let o) = schema else {
            throw ExplorerError(.badRequest, "search works on OBJECT types; \(type) is a \(schema.kind.rawValue)")
        }
        guard let field = request.query("field"), !field.isEmpty else {
            throw ExplorerError(.badRequest, "give field= (one of \(o.fields.map(\.name).joined(separator: ", ")), or a path like a.b)")
        }
        let path = field.split(separator: ".")
        guard let first = path.first, o.fieldIndex(String(first)) != nil else {
            throw ExplorerError(.badRequest, "type \(type) has no field '\(field)'")
        }
        let value = request.query("value") ?? ""
        let match = request.query("match") ?? "exact"
        let test: (String) -> Bool
        switch match {
        case "exact": test = { $0 == value }
        case "contains": test = { $0.contains(value) }
        case "prefix": test = { $0.hasPrefix(value) }
        default: throw ExplorerError(.badRequest, "bad match '\(match)': expected exact, contains or prefix")
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
        var body = "<h1>\(Layout.link(Self.typeHref(type, "", s, explicit), type)): <code>\(Layout.esc(field))</code> \(Layout.esc(match)) “\(Layout.esc(value))”</h1>"
        body += "<p>Version \(s.version): <b id=\"total\">\(total)</b> match(es)\(total > matches.count ? ", first \(matches.count) shown" : ""). "
        body += Layout.link("/api" + request.uri.description, "JSON") + "</p>"
        body += Self.recordsTable(records, schema: schema, s: s, explicit: explicit)
        body += Self.lookupForms(type, schema, s, explicit)
        return Page(title: "search \(type)", json: json, body: body)
    }
}
