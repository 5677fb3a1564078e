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

    static func timeText(_ t: Double) -> String {
        // Civil date from days since 1970 (Howard Hinnant's algorithm).
        let secs = Int64(t.rounded(.down))
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ x: Int64) -> String { x < 10 ? "0\(x)" : "\(x)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))"
    }

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
        let limit = try Self.intParameter(request, "limit", default: 50, range: 0...10000)
        let onlyType = request.query("type").flatMap { $0.isEmpty ? nil : $0 }
        let a = try await state(from, inv)
        let b = try await state(to, inv)
        if let onlyType, a.schema(onlyType) == nil, b.schema(onlyType) == nil {
            throw HTTPError(.notFound, message: "unknown type '\(onlyType)' in versions \(from) and \(to)")
        }
        let typeNames = onlyType.map { [$0] } ?? Array(Set(a.view.typeNames).union(b.view.typeNames)).sorted()
        var types: [JSONValue] = []
        var summaryRows: [[[Part]]] = []
        var details: [DiffView.TypeDetails] = []
        for type in typeNames {
            let d = StateDiff.diff(type: type, from: a, to: b, limit: limit)
            types.append(d.json)
            guard d.added + d.removed + d.changed > 0 || onlyType != nil else { continue }
            summaryRows.append([
                [.link("#t-\(type)", type)], [.text(d.matchedBy)],
                [.span("num", String(d.added))], [.span("num", String(d.removed))], [.span("num", String(d.changed))],
            ])
            details.append(d.details(fromVersion: from, toVersion: to))
        }
        let json: JSONValue = ["from": .int(from), "to": .int(to), "types": .array(types)]
        let view = DiffView(
            from: from, to: to, jsonHref: "/api" + request.uri.description,
            summary: summaryRows.isEmpty
                ? nil : TableView(["type", "matched by", "added", "removed", "changed"], summaryRows, id: "diff-summary"),
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

/// The differences of one type between two states.
struct StateDiff {
    var type: String
    var matchedBy: String
    var added = 0
    var removed = 0
    var changed = 0
    var addedSamples: [JSONValue] = []
    var removedSamples: [JSONValue] = []
    var changedSamples: [JSONValue] = []

    var json: JSONValue {
        [
            "type": .string(type), "matchedBy": .string(matchedBy), "added": .from(added), "removed": .from(removed),
            "changed": .from(changed), "addedRecords": .array(addedSamples), "removedRecords": .array(removedSamples),
            "changedRecords": .array(changedSamples),
        ]
    }

    static func sample(_ s: LoadedState, _ type: String, _ o: Int) -> JSONValue {
        var m: [(key: String, value: JSONValue)] = [("ordinal", .from(o))]
        if let k = s.keyText(type, o) { m.append(("key", .string(k.replacingOccurrences("\u{1F}", ", ")))) }
        m.append(("display", .from(RecordRendering.display(s, type, o))))
        return .object(m)
    }

    static func diff(type: String, from a: LoadedState, to b: LoadedState, limit: Int) -> StateDiff {
        let sa = a.schema(type)
        let sb = b.schema(type)
        let pk: [String]? = {
            if case .object(let o) = sb ?? sa { return o.primaryKey }
            return nil
        }()
        var d = StateDiff(type: type, matchedBy: pk != nil ? "primary key" : "content")
        if sa == nil || sb == nil {
            d.matchedBy = sa == nil ? "type added" : "type removed"
        }
        let ha = sa == nil ? [] : a.hashes(type)
        let hb = sb == nil ? [] : b.hashes(type)
        if pk != nil, sa != nil, sb != nil {
            let ka = a.keyIndex(type)
            let kb = b.keyIndex(type)
            for o in b.populated(type) {
                guard let k = b.keyText(type, o) else { continue }
                if let ao = ka[k] {
                    if ha[safe: ao] != hb[safe: o] {
                        d.changed += 1
                        if d.changedSamples.count < limit {
                            d.changedSamples.append([
                                "key": .string(k.replacingOccurrences("\u{1F}", ", ")), "fromOrdinal": .from(ao), "toOrdinal": .from(o),
                                "changedFields": .array(changedFields(type: type, a: a, ao: ao, b: b, bo: o)),
                            ])
                        }
                    }
                } else {
                    d.added += 1
                    if d.addedSamples.count < limit { d.addedSamples.append(sample(b, type, o)) }
                }
            }
            for o in a.populated(type) {
                guard let k = a.keyText(type, o), kb[k] == nil else { continue }
                d.removed += 1
                if d.removedSamples.count < limit { d.removedSamples.append(sample(a, type, o)) }
            }
        } else {
            // Match by content: a multiset of hashes.
            var counts: [UInt64: Int] = [:]
            if sa != nil { for o in a.populated(type) { counts[ha[o], default: 0] += 1 } }
            var addedOrdinals: [Int] = []
            if sb != nil {
                for o in b.populated(type) {
                    if let c = counts[hb[o]], c > 0 { counts[hb[o]] = c - 1 } else { addedOrdinals.append(o) }
                }
            }
            d.added = addedOrdinals.count
            d.addedSamples = addedOrdinals.prefix(limit).map { sample(b, type, $0) }
            if sa != nil {
                for o in a.populated(type) {
                    guard let c = counts[ha[o]], c > 0 else { continue }
                    counts[ha[o]] = c - 1
                    d.removed += 1
                    if d.removedSamples.count < limit { d.removedSamples.append(sample(a, type, o)) }
                }
            }
        }
        return d
    }

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

    /// The page section of this type's differences (samples linked to their records).
    func details(fromVersion: Int64, toVersion: Int64) -> DiffView.TypeDetails {
        func link(_ style: String, _ v: Int64, _ s: JSONValue) -> Part {
            let o = s["ordinal"]?.int64 ?? s["toOrdinal"]?.int64 ?? 0
            let label = (s["key"]?.string ?? s["display"]?.string).map { "#\(o) \($0)" } ?? "#\(o)"
            return .styledLink(style, "/types/\(FormData.encode(type))/records/\(o)?version=\(v)", label)
        }
        var tables: [TableView] = []
        if !addedSamples.isEmpty {
            tables.append(TableView(["added in \(toVersion)"], addedSamples.map { [[link("added", toVersion, $0)]] }))
        }
        if !removedSamples.isEmpty {
            tables.append(TableView(["removed since \(fromVersion)"], removedSamples.map { [[link("removed", fromVersion, $0)]] }))
        }
        if !changedSamples.isEmpty {
            tables.append(TableView(["changed", "fields"], changedSamples.map { c in
                [[link("changed", toVersion, c)], StateDiff.changeParts(c["changedFields"]?.array ?? [])]
            }))
        }
        return .init(type: type, added: added, removed: removed, changed: changed, matchedBy: matchedBy, tables: tables)
    }
}
