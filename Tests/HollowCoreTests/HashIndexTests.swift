import HollowCore
import Testing

/// The value at the end of an object-field path from record `ordinal` of `type`, walked with the untyped API
/// (a reference final field gives `.reference`); nil when a value or reference on the way is null.
private func pathValue(_ state: ReadState, _ type: String, _ path: String, _ ordinal: Int) throws -> HollowValue? {
    if path.isEmpty { return .reference(ordinal) }
    var current = type
    var o = ordinal
    let parts = path.split(separator: ".").map(String.init)
    for (i, part) in parts.enumerated() {
        let t = try #require(state.objectType(current))
        let f = try #require(t.fieldIndex(part))
        if i == parts.count - 1 { return t.value(o, f) }
        guard let next = t.readOrdinal(o, f) else { return nil }
        o = next
        current = try #require(t.schema.fields[f].referencedType)
    }
    return nil
}

/// Every key of a brute-force grouping of `type`'s records answers the same ordinals from the index, and the
/// index holds no other keys.
private func expectHashIndexAnswers(
    _ state: ReadState, _ type: String, select: String, match: [String], _ label: String
) throws {
    let index = try HollowHashIndex(state: state, type: type, selectField: select, matchFields: match)
    var expected: [[HollowValue]: Set<Int>] = [:]
    for o in state.populatedOrdinals(of: type) {
        guard case .reference(let selected)? = try pathValue(state, type, select, o) else { continue }
        var key: [HollowValue] = []
        for m in match {
            guard let v = try pathValue(state, type, m, o) else { break }
            key.append(v)
        }
        if key.count == match.count { expected[key, default: []].insert(selected) }
    }
    #expect(!expected.isEmpty, "\(label): the reference grouping is empty")
    #expect(index.keyCount == expected.count, "\(label): key counts differ")
    for (key, ordinals) in expected {
        let result = index.findMatches(key)
        #expect(result?.ordinals == ordinals.sorted(), "\(label): \(key) answered differently")
        for o in ordinals { #expect(result?.contains(o) == true, "\(label): contains(\(o)) for \(key)") }
    }
}

/// Every non-null value at the end of `path` from record `ordinal` of `type`, walked with the untyped API
/// through object fields, list and set elements and map keys and values (a path ending on records gives
/// `.reference`s), once per way of reaching it.
private func pathValues(_ state: ReadState, _ type: String, _ path: String, _ ordinal: Int) throws -> [HollowValue] {
    var current: [(type: String, ordinal: Int)] = [(type, ordinal)]
    var values: [HollowValue] = []
    let parts = path.split(separator: ".").map(String.init)
    for (i, part) in parts.enumerated() {
        let isLast = i == parts.count - 1
        var next: [(type: String, ordinal: Int)] = []
        func reached(_ t: String, _ o: Int) {
            if isLast { values.append(.reference(o)) } else { next.append((t, o)) }
        }
        for (t, o) in current {
            switch state.schema(named: t) {
            case .object(let s)?:
                let f = try #require(s.fieldIndex(part))
                let records = try #require(state.objectType(t))
                if s.fields[f].type != .reference {
                    if isLast, let v = records.value(o, f) { values.append(v) }
                } else if let r = records.readOrdinal(o, f) {
                    reached(try #require(s.fields[f].referencedType), r)
                }
            case .list(let s)?:
                for e in try #require(state.listType(t)).elementOrdinals(o) { reached(s.elementType, e) }
            case .set(let s)?:
                for e in try #require(state.setType(t)).elementOrdinals(o) { reached(s.elementType, e) }
            case .map(let s)?:
                for e in try #require(state.mapType(t)).entries(o) {
                    if part == "key" { reached(s.keyType, e.key) } else { reached(s.valueType, e.value) }
                }
            case nil:
                Issue.record("\(t) is not a type of the state")
            }
        }
        current = next
    }
    return values
}

/// `index` (over the `Movie` records, one match path) answers every key of a brute-force walk of `state` with
/// the movies that reach it; `exactKeys` also checks that it holds no other keys (not for updated indexes,
/// whose key count includes keys of removed records).
private func expectCollectionPathAnswers(
    _ index: HollowHashIndex, _ state: ReadState, _ path: String, exactKeys: Bool, _ label: String
) throws {
    var expected: [HollowValue: Set<Int>] = [:]
    for o in state.populatedOrdinals(of: "Movie") {
        for v in try pathValues(state, "Movie", path, o) { expected[v, default: []].insert(o) }
    }
    #expect(!expected.isEmpty, "\(label): the reference grouping is empty")
    if exactKeys { #expect(index.keyCount == expected.count, "\(label): key counts differ") }
    for (key, ordinals) in expected {
        #expect(index.findMatches(key)?.ordinals == ordinals.sorted(), "\(label): \(key) answered differently")
    }
}

@Suite struct HashIndexTests {
    @Test("hash indexes over object-field paths answer as a brute-force grouping, before and after deltas")
    func scalarPathsAcrossDeltas() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        let cases: [(select: String, match: [String])] = [
            ("", ["studio.studioId"]),  // INT behind a reference
            ("", ["studio.country.code"]),  // STRING two references away
            ("", ["studio"]),  // a reference: the referenced ordinal
            ("", ["released", "studio.studioId"]),  // BOOLEAN + INT
            ("", ["originalTitle.value"]),
            ("", ["score"]),  // DOUBLE
            ("studio", ["studio.country.code"]),  // selected records repeat and arrive unordered
            ("studio.country", ["released"]),
        ]
        for (label, state) in [("v1", s1), ("v2", s2), ("v3", s3)] {
            for c in cases {
                try expectHashIndexAnswers(state, "Movie", select: c.select, match: c.match, "\(label) \(c.select) by \(c.match)")
            }
        }
    }

    @Test(
        "hash indexes through collections answer as a brute-force walk, built and updated along the deltas",
        arguments: [
            "cast.element.name", "cast.element", "cast.element.birthYear", "genres.element.name", "awards.element.year",
            "releases.key.code", "releases.value.format", "subtitles.value.value", "subtitles.key",
        ])
    func collectionPathsAcrossDeltas(path: String) throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        var updated = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: [path])
        try expectCollectionPathAnswers(updated, s1, path, exactKeys: true, "v1 \(path)")
        for (label, state) in [("v2", s2), ("v3", s3)] {
            updated = try updated.updated(to: state)
            #expect(!updated.wasRebuilt, "\(label) \(path) was rebuilt")
            try expectCollectionPathAnswers(updated, state, path, exactKeys: false, "\(label) \(path), updated")
            let built = try HollowHashIndex(state: state, type: "Movie", selectField: "", matchFields: [path])
            try expectCollectionPathAnswers(built, state, path, exactKeys: true, "\(label) \(path), built")
        }
    }

    @Test(
        "hash indexes through collections built on a state reached by a delta follow the next delta and a reverse delta",
        arguments: ["cast.element.name", "cast.element", "genres.element.name", "releases.key.code", "subtitles.value.value"])
    func collectionPathsFromPatchedState(path: String) throws {
        // State 2 holds the records delta 1-2 added in patch segments: the update must tell the holders that are
        // still the same record (same patch segment and index) from the ones removed or added since.
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        let back = try s3.applying(reverseDelta: try fixture("kitchensink", "reversedelta-3-2"))
        var updated = try HollowHashIndex(state: s2, type: "Movie", selectField: "", matchFields: [path])
        for (label, state) in [("v3", s3), ("v2 by the reverse delta", back)] {
            updated = try updated.updated(to: state)
            #expect(!updated.wasRebuilt, "\(label) \(path) was rebuilt")
            try expectCollectionPathAnswers(updated, state, path, exactKeys: false, "\(label) \(path), updated from v2")
        }
    }

    @Test("a query that matches nothing, has the wrong arity or a value of another type finds nothing")
    func misses() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let index = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["studio.country.code"])
        #expect(index.findMatches("XX") == nil)
        #expect(index.findMatches(.int(1)) == nil)
        #expect(index.findMatches("US", "JP") == nil)
        let us = try #require(index.findMatches("US"))
        #expect(us.numResults == us.ordinals.count && us.numResults > 0)
        #expect(!us.contains(-1))
    }
}
