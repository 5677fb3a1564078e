import HollowCharts
import HollowCore
import Hummingbird

extension Explorer {
    // MARK: Versions

    func versionsPage(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let entries = VersionEntry.build(inv)
        let storeAnnounced = try? await configuration.store.announcedVersion()
        var ops: OperationsSnapshot?
        if let o = configuration.operations { ops = try? await o.snapshot() }
        let announced = ops?.announced ?? storeAnnounced ?? nil
        let pins = ops?.pins ?? []
        func blob(_ b: StoredBlob?) -> JSONValue {
            guard let b else { return .null }
            var m: [(key: String, value: JSONValue)] = [("name", .string(b.name)), ("size", .int(b.size))]
            if let f = b.fromVersion { m.append(("from", .int(f))) }
            m.append(("to", .int(b.toVersion)))
            m.append(("modified", b.modified.map { .double($0) } ?? .null))
            return .object(m)
        }
        var rows: [[[Part]]] = []
        var list: [JSONValue] = []
        let loadableVersions = Set(await loadableVersions(inv))
        for e in entries.reversed() {
            let loadable = loadableVersions.contains(e.version)
            let pinnedBy = pins.filter { $0.version == e.version }.map { $0.group ?? "(namespace)" }
            let time = [e.snapshot, e.header, e.deltaIn].compactMap { $0?.modified }.max()
            list.append([
                "version": .int(e.version), "loadable": .bool(loadable), "announced": .bool(announced == e.version),
                "pinnedBy": .array(pinnedBy.map { .string($0) }), "time": time.map { .double($0) } ?? .null,
                "snapshot": blob(e.snapshot), "header": blob(e.header), "delta": blob(e.delta), "reverseDelta": blob(e.reverseDelta),
            ])
            var badges: [Part] = []
            if announced == e.version { badges.append(.span("badge ann", "announced")) }
            for p in pinnedBy { badges.append(.span("badge pin", "pinned \(p)")) }
            func cell(_ b: StoredBlob?) -> [Part] {
                guard let b else { return [.span("muted", "–")] }
                return [.code(b.name), .text(" "), .span("muted", Format.bytes(Int(b.size)))]
            }
            let v = String(e.version)
            rows.append([
                [loadable ? .link("/?version=\(v)", v) : .text(v)] + badges, [.text(time.map(Self.timeText) ?? "")],
                cell(e.snapshot), cell(e.delta), cell(e.reverseDelta),
                e.deltaIn.map { [.link("/diff?from=\($0.fromVersion ?? 0)&to=\(v)", "diff from \($0.fromVersion ?? 0)")] } ?? [],
            ])
        }
        let json: JSONValue = [
            "store": .string(configuration.store.location), "announced": .from(announced),
            "pins": .array(pins.map { ["group": .from($0.group), "version": .int($0.version)] }), "versions": .array(list),
        ]
        let view = VersionsView(
            count: entries.count, store: configuration.store.location, announced: announced,
            versions: TableView(["version", "time (UTC)", "snapshot", "delta →", "reverse delta ←", ""], rows, id: "versions"))
        return Page(title: "Versions", json: json, template: "versions", view: view,
                    followsVersion: try? await currentVersion(inv), refreshSeconds: configuration.refreshSeconds)
    }

    static func timeText(_ t: Double) -> String { UTCTime(seconds: Int64(t.rounded(.down))).text }

    // MARK: Diff

    func diffPage(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let versions = await loadableVersions(inv)
        guard request.query("from") != nil || request.query("to") != nil else {
            // No versions chosen: a form, defaulting to the last transition.
            let view = DiffFormView(
                from: versions.reversed().map { .init(value: $0, selected: $0 == versions.dropLast().last) },
                to: versions.reversed().map { .init(value: $0, selected: false) })
            return Page(title: "Diff", json: ["versions": .array(versions.map { .int($0) }), "hint": "give from= and to="],
                        template: "diffForm", view: view)
        }
        guard let fromText = request.query("from"), let toText = request.query("to") else {
            throw HTTPError(.badRequest, message: "give both from= and to= versions")
        }
        let from = try await resolveVersion(fromText, inv, name: "from")
        let to = try await resolveVersion(toText, inv, name: "to")
        let limit = try Self.intParameter(request, "limit", default: 20, range: 1...1000)
        let offset = try Self.intParameter(request, "offset", default: 0, range: 0...Int(Int32.max))
        let onlyType = request.query("type").flatMap { $0.isEmpty ? nil : $0 }
        let a = try await state(from, inv)
        let b = try await state(to, inv)
        if let onlyType, a.schema(onlyType) == nil, b.schema(onlyType) == nil {
            throw HTTPError(.notFound, message: "unknown type '\(onlyType)' in versions \(from) and \(to)")
        }
        let (diff, cached) = await versionDiff(a, b)
        let matches = diff.types.filter { onlyType == nil || $0.type == onlyType }
        if let m = matches.first, onlyType != nil, offset > 0, offset >= max(m.added.count, m.removed.count, m.changed.count) {
            throw HTTPError(
                .badRequest,
                message: "bad offset '\(offset)': type \(m.type) has \(m.changed.count) changed, \(m.added.count) added and \(m.removed.count) removed record(s)")
        }
        var types: [JSONValue] = []
        var summaryRows: [[[Part]]] = []
        var details: [DiffView.TypeDetails] = []
        func href(_ params: [(String, String?)]) -> String { "/diff" + Format.query(params) }
        for m in matches {
            let shown = TypeDiffPage(match: m, a: a, b: b, offset: offset, limit: limit)
            types.append(shown.json)
            guard m.added.count + m.removed.count + m.changed.count > 0 || onlyType != nil else { continue }
            summaryRows.append([
                [.link("#t-\(m.type)", m.type)], [.text(m.method.rawValue)],
                [.span("num", String(m.changed.count))], [.span("num", String(m.added.count))],
                [.span("num", String(m.removed.count))], [.span("num", String(m.unchanged))],
            ])
            let total = max(m.added.count, m.removed.count, m.changed.count)
            var nav: [Part] = []
            let base: [(String, String?)] = [("from", String(from)), ("to", String(to)), ("type", m.type), ("limit", String(limit))]
            if offset > 0, onlyType != nil {
                nav.append(.link(href(base + [("offset", String(max(0, offset - limit)))]), "← previous \(limit)"))
            }
            if offset + limit < total {
                if !nav.isEmpty { nav.append(.text(" · ")) }
                nav.append(.link(href(base + [("offset", String(offset + limit))]), "next \(limit) →"))
            }
            if onlyType == nil, total > limit {
                nav.append(.text(" · "))
                nav.append(.link(href(base), "only \(m.type)"))
            }
            details.append(shown.details(fromVersion: from, toVersion: to, nav: nav))
        }
        let json: JSONValue = [
            "from": .int(from), "to": .int(to), "offset": .from(offset), "limit": .from(limit), "cached": .bool(cached),
            "types": .array(types),
        ]
        let view = DiffView(
            from: from, to: to, jsonHref: "/api" + request.uri.description,
            range: onlyType == nil && offset == 0
                ? "the first \(limit) of each kind per type" : "records \(offset + 1)–\(offset + limit) of each kind",
            versions: versions.reversed().map { .init(value: $0, selected: false) },
            summary: summaryRows.isEmpty
                ? nil
                : TableView(["type", "matched by", "changed", "added", "removed", "unchanged"], summaryRows, id: "diff-summary"),
            details: details)
        return Page(title: "Diff \(from)→\(to)", json: json, template: "diff", view: view)
    }

    // MARK: History of one record

    func historyPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let inv = try await inventory()
        let type = parameters.decoded("type") ?? ""
        let values = request.queryAll("key")
        let limit = try Self.intParameter(request, "limit", default: 20, range: 1...500)
        let versions = Array(await loadableVersions(inv).suffix(limit))
        guard !versions.isEmpty else { throw HTTPError(.notFound, message: "the store holds no loadable version") }
        var rows: [[[Part]]] = []
        var entries: [JSONValue] = []
        var previous: (LoadedState, Int)?
        var knownType = false
        for v in versions {
            let s = try await state(v, inv)
            guard case .object(let o) = s.schema(type) else { previous = nil; continue }
            knownType = true
            guard let pk = o.primaryKey else {
                throw HTTPError(.badRequest, message: "type \(type) has no primary key: history needs one")
            }
            guard values.count == pk.count else {
                throw HTTPError(.badRequest, message: "the primary key of \(type) has \(pk.count) field(s) (\(pk.joined(separator: ", "))): give key= \(pk.count) time(s)")
            }
            guard let ordinal = s.keyIndex(type)[values.joined(separator: "\u{1F}")] else {
                let event = previous == nil ? "absent" : "removed"
                entries.append(["version": .int(v), "event": .string(event), "ordinal": .null])
                rows.append([[.link("/?version=\(v)", String(v))], [.text(event)], [], []])
                previous = nil
                continue
            }
            var event = "unchanged"
            var changes: [JSONValue] = []
            if let (ps, po) = previous {
                if ps.hashes(type)[safe: po] != s.hashes(type)[safe: ordinal] {
                    event = "changed"
                    changes = StateDiff.changedFields(type: type, a: ps, ao: po, b: s, bo: ordinal)
                }
            } else {
                event = entries.isEmpty ? "present" : "added"
            }
            entries.append(["version": .int(v), "event": .string(event), "ordinal": .from(ordinal), "changedFields": .array(changes)])
            rows.append([
                [.link("/?version=\(v)", String(v))], [.text(event)],
                [.link("/types/\(FormData.encode(type))/records/\(ordinal)?version=\(v)", "#\(ordinal)")],
                StateDiff.changeParts(changes),
            ])
            previous = (s, ordinal)
        }
        guard knownType else { throw HTTPError(.notFound, message: "unknown type '\(type)' in every version of the store") }
        let json: JSONValue = ["type": .string(type), "key": .array(values.map { .string($0) }), "versions": .array(entries)]
        let view = HistoryView(
            type: type, key: values.joined(separator: ", "), count: versions.count, jsonHref: "/api" + request.uri.description,
            history: TableView(["version", "event", "record", "changed fields"], rows, id: "history"))
        return Page(title: "History \(type)", json: json, template: "history", view: view)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}

/// Field-level comparisons shared by the history page and the diff's JSON (`changedFields`).
enum StateDiff {
    /// The fields of an OBJECT record whose (deep) values differ between record `ao` of `a` and `bo` of `b`.
    static func changedFields(type: String, a: LoadedState, ao: Int, b: LoadedState, bo: Int) -> [JSONValue] {
        guard case .object(let sa) = a.schema(type), case .object(let sb) = b.schema(type),
            case .object(let va) = a.record(type, ao), case .object(let vb) = b.record(type, bo)
        else { return [] }
        var out: [JSONValue] = []
        for (j, f) in sb.fields.enumerated() {
            let i = sa.fieldIndex(f.name)
            let old = i.map { va[$0] }
            let new = vb[j]
            func deep(_ s: LoadedState, _ v: ExplorerFieldValue?, _ rt: String?) -> (UInt64?, JSONValue) {
                guard let v else { return (nil, .null) }
                if case .reference(let o) = v, let rt {
                    let text = RecordRendering.display(s, rt, o)
                    return (s.hashes(rt)[safe: o], ["type": .string(rt), "ordinal": .from(o), "display": .from(text)])
                }
                return (UInt64(bitPattern: Int64(v.text.hashValue)) ^ (v == .null ? 1 : 0), RecordRendering.value(v))
            }
            let (h1, j1) = deep(a, old, i.flatMap { sa.fields[$0].referencedType })
            let (h2, j2) = deep(b, new, f.referencedType)
            if i == nil || h1 != h2 || old.map({ $0 == .null }) != (new == .null) {
                out.append(["field": .string(f.name), "from": j1, "to": j2])
            }
        }
        for f in sa.fields where sb.fieldIndex(f.name) == nil {
            out.append(["field": .string(f.name), "from": "(field removed)", "to": .null])
        }
        return out
    }

    /// The changed fields of a record, one line each: `field: old → new`.
    static func changeParts(_ changes: [JSONValue]) -> [Part] {
        var out: [Part] = []
        for (i, c) in changes.enumerated() {
            func show(_ v: JSONValue) -> Part {
                if case .object = v {
                    return .text("\(v["type"]?.string ?? "") #\(v["ordinal"]?.int64 ?? 0)" + (v["display"]?.string.map { " “\($0)”" } ?? ""))
                }
                return RecordRendering.valuePart(v, version: nil)
            }
            if i > 0 { out.append(.lineBreak) }
            out += [.code(c["field"]?.string ?? ""), .text(": "), show(c["from"] ?? .null), .text(" → "), show(c["to"] ?? .null)]
        }
        return out
    }
}
