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
        var rows: [[String]] = []
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
            var badges = ""
            if announced == e.version { badges += "<span class=\"badge ann\">announced</span>" }
            for p in pinnedBy { badges += "<span class=\"badge pin\">pinned \(Layout.esc(p))</span>" }
            func cell(_ b: StoredBlob?) -> String {
                guard let b else { return "<span class=\"muted\">–</span>" }
                return "<code>\(Layout.esc(b.name))</code> <span class=\"muted\">\(Layout.bytes(Int(b.size)))</span>"
            }
            let v = String(e.version)
            rows.append([
                (loadable ? Layout.link("/?version=\(v)", v) : v) + badges, time.map(Self.timeText) ?? "",
                cell(e.snapshot), cell(e.delta), cell(e.reverseDelta),
                e.deltaIn.map { Layout.link("/diff?from=\($0.fromVersion ?? 0)&to=\(v)", "diff from \($0.fromVersion ?? 0)") } ?? "",
            ])
        }
        let json: JSONValue = [
            "store": .string(configuration.store.location), "announced": .from(announced),
            "pins": .array(pins.map { ["group": .from($0.group), "version": .int($0.version)] }), "versions": .array(list),
        ]
        var body = "<h1>Versions</h1><p>\(entries.count) version(s) in <code>\(Layout.esc(configuration.store.location))</code>"
        body += announced.map { ", announced <b>\($0)</b>" } ?? ""
        body += ". The delta column is the delta to the next version. \(Layout.link("/api/versions", "JSON"))</p>"
        body += Layout.table(["version", "time (UTC)", "snapshot", "delta →", "reverse delta ←", ""], rows, id: "versions")
        body += "<h2>Compare two versions</h2><form class=\"inline\" action=\"/diff\">from <input name=\"from\" size=\"8\"> to <input name=\"to\" size=\"8\"><button>diff</button></form>"
        return Page(title: "Versions", json: json, body: body, followsVersion: try? await currentVersion(inv), refreshSeconds: configuration.refreshSeconds)
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
            var body = "<h1>Diff</h1><form class=\"inline\" action=\"/diff\">from <select name=\"from\">"
            for v in versions.reversed() { body += "<option\(v == versions.dropLast().last ? " selected" : "")>\(v)</option>" }
            body += "</select> to <select name=\"to\">"
            for v in versions.reversed() { body += "<option>\(v)</option>" }
            body += "</select><button>diff</button></form>"
            return Page(title: "Diff", json: ["versions": .array(versions.map { .int($0) }), "hint": "give from= and to="], body: body)
        }
        guard let fromText = request.query("from"), let toText = request.query("to") else {
            throw ExplorerError(.badRequest, "give both from= and to= versions")
        }
        let from = try await resolveVersion(fromText, inv, name: "from")
        let to = try await resolveVersion(toText, inv, name: "to")
        let limit = try Self.intParameter(request, "limit", default: 50, range: 0...10000)
        let onlyType = request.query("type").flatMap { $0.isEmpty ? nil : $0 }
        let a = try await state(from, inv)
        let b = try await state(to, inv)
        if let onlyType, a.schema(onlyType) == nil, b.schema(onlyType) == nil {
            throw ExplorerError(.notFound, "unknown type '\(onlyType)' in versions \(from) and \(to)")
        }
        let typeNames = onlyType.map { [$0] } ?? Array(Set(a.view.typeNames).union(b.view.typeNames)).sorted()
        var types: [JSONValue] = []
        var body = "<h1>Diff <span class=\"mono\">\(from)</span> → <span class=\"mono\">\(to)</span></h1>"
        body += "<p>Records matched by primary key where the type has one, else by content. "
        body += Layout.link("/api" + request.uri.description, "JSON") + "</p>"
        var summaryRows: [[String]] = []
        var details = ""
        for type in typeNames {
            let d = StateDiff.diff(type: type, from: a, to: b, limit: limit)
            types.append(d.json)
            guard d.added + d.removed + d.changed > 0 || onlyType != nil else { continue }
            summaryRows.append([
                "<a href=\"#t-\(Layout.esc(type))\">\(Layout.esc(type))</a>", d.matchedBy,
                "<span class=\"num\">\(d.added)</span>", "<span class=\"num\">\(d.removed)</span>", "<span class=\"num\">\(d.changed)</span>",
            ])
            details += "<h2 id=\"t-\(Layout.esc(type))\">\(Layout.esc(type))</h2>" + d.html(fromVersion: from, toVersion: to)
        }
        let json: JSONValue = ["from": .int(from), "to": .int(to), "types": .array(types)]
        body += summaryRows.isEmpty ? "<p id=\"nodiff\">No differences.</p>" : Layout.table(["type", "matched by", "added", "removed", "changed"], summaryRows, id: "diff-summary")
        body += details
        return Page(title: "Diff \(from)→\(to)", json: json, body: body)
    }

    // MARK: History of one record

    func historyPage(_ request: Request, _ parameters: Parameters) async throws -> Page {
        let inv = try await inventory()
        let type = parameters.get("type") ?? ""
        let values = request.queryAll("key")
        let limit = try Self.intParameter(request, "limit", default: 20, range: 1...500)
        let versions = Array(await loadableVersions(inv).suffix(limit))
        guard !versions.isEmpty else { throw ExplorerError(.notFound, "the store holds no loadable version") }
        var rows: [[String]] = []
        var entries: [JSONValue] = []
        var previous: (LoadedState, Int)?
        var knownType = false
        for v in versions {
            let s = try await state(v, inv)
            guard case .object(let o) = s.schema(type) else { previous = nil; continue }
            knownType = true
            guard let pk = o.primaryKey else {
                throw ExplorerError(.badRequest, "type \(type) has no primary key: history needs one")
            }
            guard values.count == pk.count else {
                throw ExplorerError(.badRequest, "the primary key of \(type) has \(pk.count) field(s) (\(pk.joined(separator: ", "))): give key= \(pk.count) time(s)")
            }
            guard let ordinal = s.keyIndex(type)[values.joined(separator: "\u{1F}")] else {
                let event = previous == nil ? "absent" : "removed"
                entries.append(["version": .int(v), "event": .string(event), "ordinal": .null])
                rows.append([Layout.link("/?version=\(v)", String(v)), event, "", ""])
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
                Layout.link("/?version=\(v)", String(v)), event,
                Layout.link("/types/\(FormData.encode(type))/records/\(ordinal)?version=\(v)", "#\(ordinal)"),
                StateDiff.changesHTML(changes),
            ])
            previous = (s, ordinal)
        }
        guard knownType else { throw ExplorerError(.notFound, "unknown type '\(type)' in every version of the store") }
        let json: JSONValue = ["type": .string(type), "key": .array(values.map { .string($0) }), "versions": .array(entries)]
        var body = "<h1>History of \(Layout.esc(type)) <span class=\"mono\">\(Layout.esc(values.joined(separator: ", ")))</span></h1>"
        body += "<p>Across the last \(versions.count) version(s). \(Layout.link("/api" + request.uri.description, "JSON"))</p>"
        body += Layout.table(["version", "event", "record", "changed fields"], rows, id: "history")
        return Page(title: "History \(type)", json: json, body: body)
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

    static func changesHTML(_ changes: [JSONValue]) -> String {
        changes.map { c in
            func show(_ v: JSONValue) -> String {
                if case .object = v { return Layout.esc("\(v["type"]?.string ?? "") #\(v["ordinal"]?.int64 ?? 0)" + (v["display"]?.string.map { " “\($0)”" } ?? "")) }
                return RecordRendering.valueHTML(v)
            }
            return "<code>\(Layout.esc(c["field"]?.string ?? ""))</code>: \(show(c["from"] ?? .null)) → \(show(c["to"] ?? .null))"
        }.joined(separator: "<br>")
    }

    func html(fromVersion: Int64, toVersion: Int64) -> String {
        var out = "<p>\(added) added, \(removed) removed, \(changed) changed (matched by \(matchedBy)).</p>"
        func link(_ v: Int64, _ s: JSONValue) -> String {
            let o = s["ordinal"]?.int64 ?? s["toOrdinal"]?.int64 ?? 0
            let label = (s["key"]?.string ?? s["display"]?.string).map { "#\(o) \($0)" } ?? "#\(o)"
            return Layout.link("/types/\(FormData.encode(type))/records/\(o)?version=\(v)", label)
        }
        if !addedSamples.isEmpty {
            out += Layout.table(["added in \(toVersion)"], addedSamples.map { ["<span class=\"added\">" + link(toVersion, $0) + "</span>"] })
        }
        if !removedSamples.isEmpty {
            out += Layout.table(["removed since \(fromVersion)"], removedSamples.map { ["<span class=\"removed\">" + link(fromVersion, $0) + "</span>"] })
        }
        if !changedSamples.isEmpty {
            out += Layout.table(["changed", "fields"], changedSamples.map { c in
                ["<span class=\"changed\">" + link(toVersion, c) + "</span>", StateDiff.changesHTML(c["changedFields"]?.array ?? [])]
            })
        }
        return out
    }
}
