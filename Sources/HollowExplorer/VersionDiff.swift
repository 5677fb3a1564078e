import HollowCore

/// How the records of one type were matched between two states, and which were added, removed or changed: the
/// expensive part of a diff, computed once per version pair and cached by the explorer.
struct TypeMatch: Sendable {
    enum Method: String, Sendable {
        case primaryKey = "primary key"
        case value = "value"
        case content = "content"
        case typeAdded = "type added"
        case typeRemoved = "type removed"
    }

    struct Pair: Sendable, Hashable {
        var from: Int
        var to: Int
    }

    var type: String
    var method: Method
    /// The primary key's field paths, or the single field of a `value` match.
    var keyFields: [String]
    /// Ordinals in the "to" state, ascending.
    var added: [Int] = []
    /// Ordinals in the "from" state, ascending.
    var removed: [Int] = []
    /// Matched records whose deep content differs, by "to" ordinal.
    var changed: [Pair] = []
    var unchanged = 0

    /// How the page and the API explain the match.
    var explanation: String {
        switch method {
        case .primaryKey:
            "matched by primary key (\(keyFields.joined(separator: ", "))); a record is changed when its deep content "
                + "differs: a field, or the content of a record it references"
        case .value:
            "no primary key, one field (\(keyFields.joined(separator: ", "))): records matched by their value, as Java's "
                + "HollowDiff does for such types; a value is kept, added or removed"
        case .content:
            "no primary key: records matched by content (a hash of their fields, with each reference replaced by the "
                + "hash of its target). A record whose content changed shows as removed + added; the records that "
                + "reference it show the change side by side"
        case .typeAdded: "the type is new in the \"to\" version: every record is added"
        case .typeRemoved: "the type is gone in the \"to\" version: every record is removed"
        }
    }

    /// Matches the records of `type` between `a` and `b`.
    static func match(type: String, from a: LoadedState, to b: LoadedState) -> TypeMatch {
        let sa = a.schema(type)
        let sb = b.schema(type)
        let schema = sb ?? sa
        var method = Method.content
        var keyFields: [String] = []
        if case .object(let o)? = schema {
            if let pk = o.primaryKey {
                method = .primaryKey
                keyFields = pk
            } else if o.fields.count == 1, o.fields[0].type != .reference {
                method = .value
                keyFields = [o.fields[0].name]
            }
        }
        if sa == nil { method = .typeAdded }
        if sb == nil { method = .typeRemoved }
        var m = TypeMatch(type: type, method: method, keyFields: keyFields)
        switch method {
        case .typeAdded:
            m.added = b.populated(type)
        case .typeRemoved:
            m.removed = a.populated(type)
        case .primaryKey:
            let ka = a.keyIndex(type)
            let kb = b.keyIndex(type)
            let ha = a.hashes(type)
            let hb = b.hashes(type)
            for (key, to) in kb {
                if let from = ka[key] {
                    if ha[safe: from] != hb[safe: to] { m.changed.append(Pair(from: from, to: to)) } else { m.unchanged += 1 }
                } else {
                    m.added.append(to)
                }
            }
            for (key, from) in ka where kb[key] == nil { m.removed.append(from) }
            m.added.sort()
            m.removed.sort()
            m.changed.sort { $0.to < $1.to }
        case .value, .content:
            // A multiset of deep content hashes.
            let ha = a.hashes(type)
            let hb = b.hashes(type)
            var counts: [UInt64: Int] = [:]
            let pa = a.populated(type)
            counts.reserveCapacity(pa.count)
            for o in pa { counts[ha[o], default: 0] += 1 }
            for o in b.populated(type) {
                if let c = counts[hb[o]], c > 0 {
                    counts[hb[o]] = c - 1
                    m.unchanged += 1
                } else {
                    m.added.append(o)
                }
            }
            for o in pa {
                guard let c = counts[ha[o]], c > 0 else { continue }
                counts[ha[o]] = c - 1
                m.removed.append(o)
            }
        }
        return m
    }
}

/// The differences between two versions, every type matched (see ``TypeMatch``).
struct VersionDiff: Sendable {
    var from: Int64
    var to: Int64
    var types: [TypeMatch]

    /// Matches every type of `a` and `b`. The per-state indexes (content hashes, primary keys) are built for both
    /// states at once, one task each.
    static func compute(from a: LoadedState, to b: LoadedState) async -> VersionDiff {
        let names = Array(Set(a.view.typeNames).union(b.view.typeNames)).sorted()
        await withTaskGroup(of: Void.self) { group in
            for s in [a, b] {
                group.addTask {
                    for t in names where s.schema(t) != nil {
                        _ = s.hashes(t)
                        if s.primaryKey(t) != nil { _ = s.keyIndex(t) }
                    }
                }
            }
        }
        return VersionDiff(from: a.version, to: b.version, types: names.map { TypeMatch.match(type: $0, from: a, to: b) })
    }
}

/// One row of a side-by-side view of two matched records: a field (or element, or entry), its value on each side,
/// and whether it changed. References are followed into their records (child rows, one level deeper).
struct DiffRow: Sendable {
    enum Status: String, Sendable {
        case same, changed, added, removed
    }
    var path: String
    var depth: Int
    var status: Status
    /// The value in the "from" state: a literal, a reference `{"type","ordinal","display"}`, or nil (absent).
    var from: JSONValue?
    var to: JSONValue?

    var json: JSONValue {
        [
            "path": .string(path), "depth": .from(depth), "status": .string(status.rawValue), "from": from ?? .null,
            "to": to ?? .null,
        ]
    }
}

/// Builds side-by-side rows for two records: Java's diff view, as rows.
struct SideBySide {
    let a: LoadedState
    let b: LoadedState
    /// How many references deep the rows follow changed references.
    var maxDepth = 3
    /// The most rows one record gets.
    var maxRows = 250
    private(set) var rows: [DiffRow] = []
    private(set) var truncated = false

    init(a: LoadedState, b: LoadedState) {
        self.a = a
        self.b = b
    }

    static func rows(type: String, from a: LoadedState, _ ao: Int, to b: LoadedState, _ bo: Int) -> (rows: [DiffRow], truncated: Bool) {
        var s = SideBySide(a: a, b: b)
        s.compare(type, ao, bo, path: "", depth: 0)
        return (s.rows, s.truncated)
    }

    static func ref(_ s: LoadedState, _ type: String, _ o: Int) -> JSONValue {
        ["type": .string(type), "ordinal": .from(o), "display": .from(RecordRendering.display(s, type, o))]
    }

    private mutating func add(_ row: DiffRow) -> Bool {
        guard rows.count < maxRows else {
            truncated = true
            return false
        }
        rows.append(row)
        return true
    }

    private func join(_ path: String, _ part: String) -> String {
        path.isEmpty ? part : part.hasPrefix("[") ? path + part : path + "." + part
    }

    /// Compares record `ao` of `type` in `a` with `bo` in `b`, adding a row per field / element / entry.
    private mutating func compare(_ type: String, _ ao: Int, _ bo: Int, path: String, depth: Int) {
        switch (a.schema(type), b.schema(type)) {
        case (.object(let sa)?, .object(let sb)?):
            guard case .object(let va)? = a.record(type, ao), case .object(let vb)? = b.record(type, bo) else { return }
            var names = sb.fields.map(\.name)
            for f in sa.fields where sb.fieldIndex(f.name) == nil { names.append(f.name) }
            for name in names {
                let ia = sa.fieldIndex(name)
                let ib = sb.fieldIndex(name)
                let fa = ia.map { sa.fields[$0] }
                let fb = ib.map { sb.fields[$0] }
                let old = ia.flatMap { va[safe: $0] }
                let new = ib.flatMap { vb[safe: $0] }
                let p = join(path, name)
                let rt = fb?.referencedType ?? fa?.referencedType
                if let rt, (fb ?? fa)?.type == .reference {
                    var from: JSONValue? = nil, to: JSONValue? = nil
                    var ta: Int?, tb: Int?
                    if case .reference(let o)? = old { ta = o; from = Self.ref(a, rt, o) } else if old == .null { from = .null }
                    if case .reference(let o)? = new { tb = o; to = Self.ref(b, rt, o) } else if new == .null { to = .null }
                    let same = ia != nil && ib != nil && (ta.map { a.hashes(rt)[safe: $0] } ?? nil) == (tb.map { b.hashes(rt)[safe: $0] } ?? nil)
                    guard add(DiffRow(path: p, depth: depth, status: status(same, ia, ib), from: from, to: to)) else { return }
                    if !same, let ta, let tb, depth < maxDepth { compare(rt, ta, tb, path: p, depth: depth + 1) }
                } else {
                    let same = ia != nil && ib != nil && old == new
                    guard add(DiffRow(
                        path: p, depth: depth, status: status(same, ia, ib), from: old.map(RecordRendering.value),
                        to: new.map(RecordRendering.value)))
                    else { return }
                }
            }
        case (.list(let la)?, .list(let lb)?):
            guard case .list(let ea)? = a.record(type, ao), case .list(let eb)? = b.record(type, bo) else { return }
            elements(la.elementType, lb.elementType, ea, eb, path: path, depth: depth)
        case (.set(let la)?, .set(let lb)?):
            guard case .set(let ea)? = a.record(type, ao), case .set(let eb)? = b.record(type, bo) else { return }
            elements(la.elementType, lb.elementType, ea, eb, path: path, depth: depth)
        case (.map(let ma)?, .map(let mb)?):
            guard case .map(let ea)? = a.record(type, ao), case .map(let eb)? = b.record(type, bo) else { return }
            entries(ma, mb, ea, eb, path: path, depth: depth)
        default:
            return
        }
    }

    private func status(_ same: Bool, _ ia: Int?, _ ib: Int?) -> DiffRow.Status {
        ia == nil ? .added : ib == nil ? .removed : same ? .same : .changed
    }

    /// Elements of two LISTs or SETs: equal elements (by deep content) are unchanged; the others are paired in order
    /// (changed, followed into) and the rest are added or removed.
    private mutating func elements(_ ta: String, _ tb: String, _ ea: [Int], _ eb: [Int], path: String, depth: Int) {
        let ha = a.hashes(ta)
        let hb = b.hashes(tb)
        var counts: [UInt64: Int] = [:]
        for e in ea { counts[ha[safe: e] ?? 0, default: 0] += 1 }
        var addedIdx: [Int] = []
        var unchanged = 0
        for (i, e) in eb.enumerated() {
            let h = hb[safe: e] ?? 0
            if let c = counts[h], c > 0 {
                counts[h] = c - 1
                unchanged += 1
            } else {
                addedIdx.append(i)
            }
        }
        var removedIdx: [Int] = []
        for (i, e) in ea.enumerated() {
            let h = ha[safe: e] ?? 0
            if let c = counts[h], c > 0 {
                counts[h] = c - 1
                removedIdx.append(i)
            }
        }
        if unchanged > 0 {
            guard add(DiffRow(
                path: join(path, "[…]"), depth: depth, status: .same, from: .string("\(unchanged) equal element(s)"),
                to: .string("\(unchanged) equal element(s)")))
            else { return }
        }
        let paired = min(addedIdx.count, removedIdx.count)
        for k in 0..<paired {
            let i = removedIdx[k], j = addedIdx[k]
            let p = join(path, i == j ? "[\(j)]" : "[\(i)→\(j)]")
            guard add(DiffRow(path: p, depth: depth, status: .changed, from: Self.ref(a, ta, ea[i]), to: Self.ref(b, tb, eb[j])))
            else { return }
            if ta == tb, depth < maxDepth { compare(tb, ea[i], eb[j], path: p, depth: depth + 1) }
        }
        for i in removedIdx.dropFirst(paired) {
            guard add(DiffRow(path: join(path, "[\(i)]"), depth: depth, status: .removed, from: Self.ref(a, ta, ea[i]), to: nil))
            else { return }
        }
        for j in addedIdx.dropFirst(paired) {
            guard add(DiffRow(path: join(path, "[\(j)]"), depth: depth, status: .added, from: nil, to: Self.ref(b, tb, eb[j])))
            else { return }
        }
    }

    /// Entries of two MAPs, matched by their keys' deep content.
    private mutating func entries(
        _ ma: HollowMapSchema, _ mb: HollowMapSchema, _ ea: [ExplorerRecord.MapEntry], _ eb: [ExplorerRecord.MapEntry],
        path: String, depth: Int
    ) {
        let hka = a.hashes(ma.keyType), hva = a.hashes(ma.valueType)
        let hkb = b.hashes(mb.keyType), hvb = b.hashes(mb.valueType)
        var byKey: [UInt64: ExplorerRecord.MapEntry] = [:]
        for e in ea { byKey[hka[safe: e.key] ?? 0] = e }
        var unchanged = 0
        var seen = Set<UInt64>()
        for e in eb {
            let k = hkb[safe: e.key] ?? 0
            seen.insert(k)
            let label = "[" + (RecordRendering.display(b, mb.keyType, e.key) ?? "\(mb.keyType) #\(e.key)") + "]"
            if let old = byKey[k] {
                if hva[safe: old.value] == hvb[safe: e.value] {
                    unchanged += 1
                    continue
                }
                let p = join(path, label)
                guard add(DiffRow(
                    path: p, depth: depth, status: .changed, from: Self.ref(a, ma.valueType, old.value),
                    to: Self.ref(b, mb.valueType, e.value)))
                else { return }
                if ma.valueType == mb.valueType, depth < maxDepth { compare(mb.valueType, old.value, e.value, path: p, depth: depth + 1) }
            } else {
                guard add(DiffRow(path: join(path, label), depth: depth, status: .added, from: nil, to: Self.ref(b, mb.valueType, e.value)))
                else { return }
            }
        }
        for e in ea where !seen.contains(hka[safe: e.key] ?? 0) {
            let label = "[" + (RecordRendering.display(a, ma.keyType, e.key) ?? "\(ma.keyType) #\(e.key)") + "]"
            guard add(DiffRow(path: join(path, label), depth: depth, status: .removed, from: Self.ref(a, ma.valueType, e.value), to: nil))
            else { return }
        }
        if unchanged > 0 {
            _ = add(DiffRow(
                path: join(path, "[…]"), depth: depth, status: .same, from: .string("\(unchanged) equal entr(ies)"),
                to: .string("\(unchanged) equal entr(ies)")))
        }
    }
}

/// One type's part of a diff page: a page (`offset`, `limit`) of its changed, added and removed records, with the
/// side-by-side rows of the changed ones and the fields of the others. The JSON and the HTML show the same records.
struct TypeDiffPage {
    struct Changed {
        var pair: TypeMatch.Pair
        var key: String?
        var display: String?
        var rows: [DiffRow]
        var truncated: Bool
    }
    struct Single {
        var ordinal: Int
        var key: String?
        var display: String?
        var record: JSONValue
    }

    let match: TypeMatch
    let offset: Int
    let limit: Int
    var changed: [Changed] = []
    var added: [Single] = []
    var removed: [Single] = []

    init(match: TypeMatch, a: LoadedState, b: LoadedState, offset: Int, limit: Int) {
        self.match = match
        self.offset = offset
        self.limit = limit
        let type = match.type
        func key(_ s: LoadedState, _ o: Int) -> String? { s.keyText(type, o)?.replacingOccurrences("\u{1F}", ", ") }
        for pair in match.changed.dropFirst(offset).prefix(limit) {
            let (rows, truncated) = SideBySide.rows(type: type, from: a, pair.from, to: b, pair.to)
            changed.append(Changed(
                pair: pair, key: key(b, pair.to), display: RecordRendering.display(b, type, pair.to), rows: rows,
                truncated: truncated))
        }
        func single(_ s: LoadedState, _ o: Int) -> Single {
            var budget = 200
            return Single(
                ordinal: o, key: key(s, o), display: RecordRendering.display(s, type, o),
                record: RecordRendering.record(s, type, o, depth: 1, budget: &budget))
        }
        added = match.added.dropFirst(offset).prefix(limit).map { single(b, $0) }
        removed = match.removed.dropFirst(offset).prefix(limit).map { single(a, $0) }
    }

    var json: JSONValue {
        func single(_ r: Single) -> JSONValue {
            var m: [(key: String, value: JSONValue)] = [("ordinal", .from(r.ordinal))]
            if let k = r.key { m.append(("key", .string(k))) }
            m.append(("display", .from(r.display)))
            m.append(("record", r.record))
            return .object(m)
        }
        return [
            "type": .string(match.type), "matchedBy": .string(match.method.rawValue),
            "keyFields": .array(match.keyFields.map { .string($0) }), "explanation": .string(match.explanation),
            "added": .from(match.added.count), "removed": .from(match.removed.count), "changed": .from(match.changed.count),
            "unchanged": .from(match.unchanged), "offset": .from(offset), "limit": .from(limit),
            "addedRecords": .array(added.map(single)), "removedRecords": .array(removed.map(single)),
            "changedRecords": .array(changed.map { c in
                var m: [(key: String, value: JSONValue)] = []
                if let k = c.key { m.append(("key", .string(k))) }
                m.append(("display", .from(c.display)))
                m.append(("fromOrdinal", .from(c.pair.from)))
                m.append(("toOrdinal", .from(c.pair.to)))
                m.append(("changedFields", .array(c.rows.filter { $0.depth == 0 && $0.status != .same }.map { r in
                    ["field": .string(r.path), "from": r.from ?? .null, "to": r.to ?? .null]
                })))
                m.append(("rows", .array(c.rows.map(\.json))))
                m.append(("truncated", .bool(c.truncated)))
                return .object(m)
            }),
        ]
    }

    /// The page section of this type.
    func details(fromVersion: Int64, toVersion: Int64, nav: [Part]) -> DiffView.TypeDetails {
        let typePath = FormData.encode(match.type)
        func href(_ o: Int, _ v: Int64) -> String { "/types/\(typePath)/records/\(o)?version=\(v)" }
        func label(_ key: String?, _ display: String?, _ o: Int) -> String {
            if let key { return "\(match.type) \(key)" }
            if let display { return "\(match.type) “\(display)”" }
            return "\(match.type) #\(o)"
        }
        func cell(_ v: JSONValue?, _ version: Int64) -> [Part] {
            guard let v else { return [.span("muted", "—")] }
            return [RecordRendering.valuePart(v, version: version)]
        }
        let changedViews = changed.map { c in
            DiffView.ChangedRecord(
                label: label(c.key, c.display, c.pair.to), fromHref: href(c.pair.from, fromVersion),
                toHref: href(c.pair.to, toVersion), fromLabel: "#\(c.pair.from) in \(fromVersion)",
                toLabel: "#\(c.pair.to) in \(toVersion)", fromVersion: fromVersion, toVersion: toVersion,
                rows: c.rows.map { r in
                    DiffView.Row(
                        status: r.status.rawValue, indent: "d\(min(r.depth, 4))", path: r.path,
                        from: cell(r.from, fromVersion), to: cell(r.to, toVersion))
                },
                truncated: c.truncated)
        }
        func singles(_ list: [Single], _ v: Int64, _ style: String) -> [DiffView.SingleRecord] {
            list.map { r in
                DiffView.SingleRecord(
                    style: style, label: label(r.key, r.display, r.ordinal), href: href(r.ordinal, v), ordinalLabel: "#\(r.ordinal) in \(v)",
                    record: RecordRendering.recordView(r.record, version: v))
            }
        }
        return DiffView.TypeDetails(
            type: match.type, matchedBy: match.method.rawValue, explanation: match.explanation,
            added: match.added.count, removed: match.removed.count, changed: match.changed.count, unchanged: match.unchanged,
            nav: nav, changedRecords: changedViews, addedRecords: singles(added, toVersion, "added"),
            removedRecords: singles(removed, fromVersion, "removed"))
    }
}
