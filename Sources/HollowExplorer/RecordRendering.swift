import HollowCore

/// Turns records into JSON (the API) and HTML (rendered from that JSON).
enum RecordRendering {
    /// A short text for a record: the value of a single-field record (`String`), else its primary key.
    static func display(_ s: LoadedState, _ type: String, _ ordinal: Int) -> String? {
        guard case .object(let schema) = s.schema(type) else { return nil }
        if schema.fields.count == 1, let v = s.value(type, ordinal, path: []) {
            if case .reference = v { return nil }
            return v.text
        }
        if schema.primaryKey != nil, let k = s.keyText(type, ordinal) {
            return k.replacingOccurrences("\u{1F}", ", ")
        }
        return nil
    }

    static func value(_ v: ExplorerFieldValue) -> JSONValue {
        switch v {
        case .null: .null
        case .int(let i), .long(let i): .int(i)
        case .boolean(let b): .bool(b)
        case .float(let f): .double(Double(f.description) ?? Double(f))  // 8.7, not 8.699999809265137
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .bytes(let b): .string(hex(b))
        case .reference(let o): .from(o)
        }
    }

    /// A reference to record `ordinal` of `type`, expanded `depth` levels while `budget` lasts.
    static func reference(_ s: LoadedState, _ type: String, _ ordinal: Int, depth: Int, budget: inout Int) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("type", .string(type)), ("ordinal", .from(ordinal))]
        members.append(("display", .from(display(s, type, ordinal))))
        if depth > 0, budget > 0 {
            members.append(("record", record(s, type, ordinal, depth: depth - 1, budget: &budget)))
        }
        return .object(members)
    }

    /// Record `ordinal` of `type`: its fields, or its elements / entries, references expanded `depth` levels.
    static func record(_ s: LoadedState, _ type: String, _ ordinal: Int, depth: Int, budget: inout Int) -> JSONValue {
        budget -= 1
        guard let schema = s.schema(type) else { return .null }
        guard let rec = s.record(type, ordinal) else {
            return ["type": .string(type), "ordinal": .from(ordinal), "populated": false]
        }
        var m: [(key: String, value: JSONValue)] = [
            ("type", .string(type)), ("ordinal", .from(ordinal)), ("kind", .string(schema.kind.rawValue)),
        ]
        switch (schema, rec) {
        case (.object(let os), .object(let values)):
            if let k = os.primaryKey, let key = s.keyText(type, ordinal) {
                m.append(("primaryKey", .object(zip(k, key.split(separator: "\u{1F}", omittingEmptySubsequences: false)).map {
                    ($0.0, JSONValue.string(String($0.1)))
                })))
            }
            var fields: [JSONValue] = []
            for (i, f) in os.fields.enumerated() where i < values.count {
                var fm: [(key: String, value: JSONValue)] = [("name", .string(f.name)), ("type", .string(f.type.rawValue))]
                if case .reference(let target) = values[i], let rt = f.referencedType {
                    fm.append(("referencedType", .string(rt)))
                    fm.append(("value", reference(s, rt, target, depth: depth, budget: &budget)))
                } else {
                    if let rt = f.referencedType { fm.append(("referencedType", .string(rt))) }
                    fm.append(("value", value(values[i])))
                }
                fields.append(.object(fm))
            }
            m.append(("fields", .array(fields)))
        case (.list(let ls), .list(let elements)):
            elementsJSON(s, ls.elementType, elements, depth: depth, budget: &budget, into: &m)
        case (.set(let ss), .set(let elements)):
            elementsJSON(s, ss.elementType, elements, depth: depth, budget: &budget, into: &m)
        case (.map(let ms), .map(let entries)):
            m.append(("keyType", .string(ms.keyType)))
            m.append(("valueType", .string(ms.valueType)))
            m.append(("size", .from(entries.count)))
            let shown = entries.prefix(collectionLimit)
            m.append(("entries", .array(shown.map { e in
                ["key": reference(s, ms.keyType, e.key, depth: depth, budget: &budget),
                 "value": reference(s, ms.valueType, e.value, depth: depth, budget: &budget)]
            })))
            if entries.count > shown.count { m.append(("truncated", true)) }
        default:
            m.append(("error", "the record does not match its schema"))
        }
        return .object(m)
    }

    static let collectionLimit = 500

    private static func elementsJSON(
        _ s: LoadedState, _ elementType: String, _ elements: [Int], depth: Int, budget: inout Int,
        into m: inout [(key: String, value: JSONValue)]
    ) {
        m.append(("elementType", .string(elementType)))
        m.append(("size", .from(elements.count)))
        let shown = elements.prefix(collectionLimit)
        m.append(("elements", .array(shown.map { reference(s, elementType, $0, depth: depth, budget: &budget) })))
        if elements.count > shown.count { m.append(("truncated", true)) }
    }

    // MARK: HTML from the JSON

    static func refHTML(_ ref: JSONValue, version: Int64?) -> String {
        let type = ref["type"]?.string ?? "?"
        let ordinal = ref["ordinal"]?.int64 ?? -1
        let href = "/types/\(FormData.encode(type))/records/\(ordinal)" + Layout.query([("version", version.map { String($0) })])
        var out = Layout.link(href, "\(type) #\(ordinal)")
        if let d = ref["display"]?.string { out += " <span class=\"mono\">\(Layout.esc(quoteIfNeeded(d)))</span>" }
        if let r = ref["record"], case .object = r {
            out += "<div class=\"rec\">" + recordHTML(r, version: version, nested: true) + "</div>"
        }
        return out
    }

    static func quoteIfNeeded(_ s: String) -> String { "“" + s + "”" }

    static func valueHTML(_ v: JSONValue) -> String {
        switch v {
        case .null: "<span class=\"muted\">null</span>"
        case .string(let s): "<span class=\"mono\">\(Layout.esc(quoteIfNeeded(s)))</span>"
        default: "<span class=\"mono\">\(Layout.esc(v.serialized()))</span>"
        }
    }

    static func recordHTML(_ r: JSONValue, version: Int64?, nested: Bool = false) -> String {
        if r["populated"]?.bool == false { return "<span class=\"muted\">(ordinal not populated)</span>" }
        let kind = r["kind"]?.string ?? ""
        switch kind {
        case "OBJECT":
            let rows = r["fields"]?.array?.map { f -> [String] in
                let name = f["name"]?.string ?? ""
                let type = f["type"]?.string ?? ""
                let v = f["value"] ?? .null
                let cell: String
                if case .object = v { cell = refHTML(v, version: version) } else { cell = valueHTML(v) }
                return ["<code>\(Layout.esc(name))</code>", "<span class=\"muted\">\(Layout.esc(type))</span>", cell]
            } ?? []
            return Layout.table(["field", "type", "value"], rows)
        case "LIST", "SET":
            let els = r["elements"]?.array ?? []
            let size = r["size"]?.int64 ?? Int64(els.count)
            var out = "<div class=\"muted\">\(kind) of \(Layout.esc(r["elementType"]?.string ?? "")), \(size) element(s)</div><ol start=\"0\">"
            for e in els { out += "<li>" + refHTML(e, version: version) + "</li>" }
            out += "</ol>"
            if r["truncated"]?.bool == true { out += "<div class=\"muted\">(first \(els.count) shown)</div>" }
            return out
        case "MAP":
            let entries = r["entries"]?.array ?? []
            let rows = entries.map { e in [refHTML(e["key"] ?? .null, version: version), refHTML(e["value"] ?? .null, version: version)] }
            var out = "<div class=\"muted\">MAP \(Layout.esc(r["keyType"]?.string ?? "")) → \(Layout.esc(r["valueType"]?.string ?? "")), \(r["size"]?.int64 ?? 0) entr(ies)</div>"
            out += Layout.table(["key", "value"], rows)
            return out
        default:
            return "<span class=\"muted\">\(Layout.esc(r.serialized()))</span>"
        }
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension JSONValue {
    /// The explorer's shorthands for optional API fields (nil becomes `null`).
    static func from(_ i: Int) -> JSONValue { .int(i) }
    static func from(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    static func from(_ i: Int64?) -> JSONValue { i.map { .int($0) } ?? .null }
    static func from(_ a: [String]?) -> JSONValue { a.map { .array($0.map { .string($0) }) } ?? .null }
}
