import HollowCore

/// Turns records into JSON (the API) and into the view models of their HTML (built from that JSON).
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

    // MARK: View models from the JSON

    static func refView(_ ref: JSONValue, version: Int64?) -> RefView {
        let type = ref["type"]?.string ?? "?"
        let ordinal = ref["ordinal"]?.int64 ?? -1
        var nested: [RecordView] = []
        if let r = ref["record"], case .object = r { nested = [recordView(r, version: version)] }
        return RefView(
            href: "/types/\(FormData.encode(type))/records/\(ordinal)" + Format.query([("version", version.map { String($0) })]),
            label: "\(type) #\(ordinal)", display: ref["display"]?.string.map(quoted), record: nested)
    }

    static func quoted(_ s: String) -> String { "“" + s + "”" }

    /// A field value: a reference (a link, expanded when the JSON holds the record), null, or a literal.
    static func valuePart(_ v: JSONValue, version: Int64?) -> Part {
        switch v {
        case .object: .ref(refView(v, version: version))
        case .null: .span("muted", "null")
        case .string(let s): .span("mono", quoted(s))
        default: .span("mono", v.serialized())
        }
    }

    static func recordView(_ r: JSONValue, version: Int64?) -> RecordView {
        if r["populated"]?.bool == false { return RecordView(unpopulated: true) }
        let kind = r["kind"]?.string ?? ""
        switch kind {
        case "OBJECT":
            let rows = r["fields"]?.array?.map { f -> [[Part]] in
                [[.code(f["name"]?.string ?? "")], [.span("muted", f["type"]?.string ?? "")],
                 [valuePart(f["value"] ?? .null, version: version)]]
            } ?? []
            return RecordView(fields: TableView(["field", "type", "value"], rows))
        case "LIST", "SET":
            let els = r["elements"]?.array ?? []
            return RecordView(collection: .init(
                kind: kind, elementType: r["elementType"]?.string ?? "", size: r["size"]?.int64 ?? Int64(els.count),
                elements: els.map { refView($0, version: version) },
                shownOf: r["truncated"]?.bool == true ? els.count : nil))
        case "MAP":
            let entries = r["entries"]?.array ?? []
            let rows = entries.map { e -> [[Part]] in
                [[.ref(refView(e["key"] ?? .null, version: version))], [.ref(refView(e["value"] ?? .null, version: version))]]
            }
            return RecordView(map: .init(
                keyType: r["keyType"]?.string ?? "", valueType: r["valueType"]?.string ?? "", size: r["size"]?.int64 ?? 0,
                entries: TableView(["key", "value"], rows)))
        default:
            return RecordView(other: r.serialized())
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
